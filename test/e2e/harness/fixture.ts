// Where the fixture's non-prose parts are, read from the file itself (1-based line numbers), so
// the checks "nothing flagged in front matter / code" follow the fixture when it is edited.
export interface FixtureLayout {
  frontMatter: number[];
  code: number[];
}

export function fixtureLayout(text: string): FixtureLayout {
  const lines = text.split(/\r?\n/);
  const frontMatter: number[] = [];
  const code: number[] = [];
  let i = 0;
  if (lines[0] === '---') {
    frontMatter.push(1);
    for (i = 1; i < lines.length; i++) {
      frontMatter.push(i + 1);
      if (lines[i] === '---') { i++; break; }
    }
  }
  let fence: string | undefined;
  for (; i < lines.length; i++) {
    const m = /^\s{0,3}(`{3,}|~{3,})/.exec(lines[i]);
    if (fence) {
      code.push(i + 1);
      if (m && m[1][0] === fence[0] && m[1].length >= fence.length) fence = undefined;
    } else if (m) {
      fence = m[1];
      code.push(i + 1);
    }
  }
  return { frontMatter, code };
}

/** 0-based line of the first line containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.split(/\r?\n/).findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`"${needle}" is not in the fixture`);
  return i;
}
