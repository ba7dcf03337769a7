// Splits README.md into its indented code blocks, with the `<!-- readme-test: ... -->`
// directive written just before each (see test/docs/readme.test.mjs for the convention).
export function readmeBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  let directive = null;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const d = /^<!--\s*readme-test:\s*([\s\S]*?)\s*-->\s*$/.exec(line);
    if (d) {
      directive = d[1];
      i++;
      continue;
    }
    const prevBlank = i === 0 || lines[i - 1].trim() === '' || /^<!--/.test(lines[i - 1]);
    const indent = /^( {4,})\S/.exec(line);
    if (indent && prevBlank && !/^\s*([-*]|\d+\.|\|)/.test(line)) {
      const width = indent[1].length;
      const start = i;
      const body = [];
      while (i < lines.length && (lines[i].startsWith(' '.repeat(width)) || (lines[i].trim() === '' && i + 1 < lines.length && lines[i + 1].startsWith(' '.repeat(width))))) {
        body.push(lines[i].slice(width));
        i++;
      }
      blocks.push({ line: start + 1, text: body.join('\n'), directive });
      directive = null;
      continue;
    }
    if (line.trim() !== '') directive = null;
    i++;
  }
  return blocks;
}
