// The kubelet's `$(VAR)` expansion of container command, args and env values
// (kubernetes third_party/forked/golang/expansion/expand.go, v1.35): `$$` is an escaped `$`;
// `$(NAME)` becomes the value when NAME is defined, else stays as written; an unclosed `$(` stays;
// `$` before anything else stays together with that character.

export type Mapping = (name: string) => string;

/** Mapping over variable maps searched in order; unknown names come back wrapped as `$(NAME)`. */
export function mappingFor(...contexts: ReadonlyMap<string, string>[]): Mapping {
  return (name) => {
    for (const vars of contexts) {
      const v = vars.get(name);
      if (v !== undefined) return v;
    }
    return `$(${name})`;
  };
}

export function expand(input: string, mapping: Mapping): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance: number;
    if (rest[0] === '$') {
      out += '$';
      advance = 1;
    } else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close >= 0) {
        out += mapping(rest.slice(1, close));
        advance = close + 1;
      } else {
        out += '$(';
        advance = 1;
      }
    } else {
      // `$` followed by one character (a whole code point, as Go decodes one rune).
      const cp = rest.codePointAt(0)!;
      const ch = String.fromCodePoint(cp);
      out += `$${ch}`;
      advance = ch.length;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}
