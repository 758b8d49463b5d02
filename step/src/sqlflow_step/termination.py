"""The failing statement's message for Kubernetes: written to the container's termination message
file, from which the kubelet fills `containerStatuses[].state.terminated.message` and Argo the failed
node's message, so the job's status names the error without anyone reading the log.

The kubelet mounts that file at the container's `terminationMessagePath` (`/dev/termination-log`
unless the pod says otherwise) and reads at most 4096 bytes of it. Outside a pod the default path
is only written if the file already exists and is writable (the kubelet creates it; nothing else
should); `SQLFLOW_STEP_TERMINATION_MESSAGE_PATH` names another path (tests, the local Argo, a pod
with its own terminationMessagePath), which is created if its folder is writable.
"""

from __future__ import annotations

import os

ENV = "SQLFLOW_STEP_TERMINATION_MESSAGE_PATH"
DEFAULT_PATH = "/dev/termination-log"
LIMIT = 4096  # bytes the kubelet keeps of a container's termination message


def fit(text: str, limit: int = LIMIT) -> bytes:
    """`text` as UTF-8 in at most `limit` bytes, cut on a character boundary and marked with … when cut."""
    data = text.encode()
    if len(data) <= limit:
        return data
    mark = "…".encode()
    return data[: limit - len(mark)].decode(errors="ignore").encode() + mark


def write_termination_message(text: str) -> None:
    """Best effort: a step that cannot write its termination message still fails with its log line."""
    path = os.environ.get(ENV) or DEFAULT_PATH
    if ENV not in os.environ or not os.environ[ENV]:
        if not (os.path.isfile(path) and os.access(path, os.W_OK)):
            return
    try:
        with open(path, "wb") as f:
            f.write(fit(text))
    except OSError:
        pass
