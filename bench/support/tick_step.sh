#!/bin/sh
# A step for bench/sqlflow_latency.ts: for a statement holding TICKS_<n> and EVERY_<ms>, prints n lines
# "tick <i> at <unix seconds>" (its own clock, so the client can measure print → arrival), <ms> apart.
stmt=$1
n=${stmt#*TICKS_}; n=${n%%[!0-9]*}
ms=${stmt#*EVERY_}; ms=${ms%%[!0-9]*}
pause=$(awk -v ms="$ms" 'BEGIN { printf "%.3f", ms / 1000 }')
i=1
while [ "$i" -le "$n" ]; do
  printf 'tick %s at %s\n' "$i" "$(date +%s.%N)"
  i=$((i + 1))
  [ "$i" -le "$n" ] && sleep "$pause"
done
exit 0
