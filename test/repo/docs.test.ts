import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { START_FLAGS, START_VARIABLES } from '../../scripts/start-options.ts';

// The README and docs/ stay true: their links lead somewhere, the scripts they name exist, the
// layout lists files that are there, and code shown as the repository's is the repository's.

const root = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const docs = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The fenced code blocks of a Markdown text, each with the `<!-- verbatim: path -->` above it, if any. */
function codeBlocks(markdown: string): { code: string; verbatim?: string }[] {
  const blocks = [...markdown.matchAll(/(?:<!-- verbatim: (\S+) -->\n)?```[\w-]*\n([\s\S]*?)\n```/g)];
  return blocks.map(([, verbatim, code]) => ({ code: code ?? '', ...(verbatim ? { verbatim } : {}) }));
}

// Lines trimmed, blank ones and import lines dropped: a fixture's imports start from another folder
// than the file a walkthrough describes.
const normalize = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('import '))
    .join('\n');

/** The paths a layout tree names: top-level lines as they are, indented ones below the last folder. */
function layoutPaths(tree: string): string[] {
  let folder = '';
  return tree.split('\n').flatMap((line) => {
    const entry = line.trim().split(/\s+/)[0] ?? '';
    if (entry === '') return [];
    if (!line.startsWith(' ')) {
      folder = entry.endsWith('/') ? entry : '';
      return [entry];
    }
    return [folder + entry];
  });
}

function exists(entry: string): boolean {
  if (!entry.includes('*')) return existsSync(path.join(root, entry));
  const dir = path.dirname(entry);
  const pattern = new RegExp(`^${path.basename(entry).replaceAll('.', '\\.').replaceAll('*', '.*')}$`);
  return readdirSync(path.join(root, dir)).some((name) => pattern.test(name));
}

describe('the docs', () => {
  it('link only to files that exist', () => {
    const broken = docs.flatMap((doc) =>
      [...read(doc).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
        .map(([, target]) => target ?? '')
        .filter((target) => !/^[a-z]+:/.test(target))
        .filter((target) => !existsSync(path.resolve(root, path.dirname(doc), target)))
        .map((target) => `${doc} → ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it('are each linked from the README exactly once', () => {
    const readme = read('README.md');
    const counts = docs
      .filter((doc) => doc !== 'README.md')
      .map((doc) => [doc, readme.split(`](${doc})`).length - 1] as const);
    expect(counts.filter(([, count]) => count !== 1)).toEqual([]);
  });

  it('name only npm scripts that package.json has', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const named = docs.flatMap((doc) =>
      [...read(doc).matchAll(/npm (?:run ([\w-]+(?::[\w-]+)*)|(start|test)\b)/g)].map(([, run, short]) => ({
        doc,
        script: run ?? short ?? '',
      })),
    );
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter(({ script }) => !(script in scripts))).toEqual([]);
  });

  it('lay out only files and folders that exist', () => {
    const trees = [
      codeBlocks(read('README.md').split('## Layout')[1] ?? '')[0]?.code ?? '',
      codeBlocks(read('docs/layout.md'))[0]?.code ?? '',
    ];
    const entries = trees.flatMap(layoutPaths);
    expect(entries).toContain('shared/router-type.ts');
    expect(entries.filter((entry) => !exists(entry))).toEqual([]);
  });

  it('show the repository’s own code where a block says it is verbatim', () => {
    const blocks = docs.flatMap((doc) =>
      codeBlocks(read(doc)).flatMap(({ code, verbatim }) => (verbatim ? [{ doc, code, verbatim }] : [])),
    );
    expect(blocks.length).toBeGreaterThanOrEqual(9);
    const differing = blocks
      .filter(({ code, verbatim }) => !normalize(read(verbatim)).includes(normalize(code)))
      .map(({ doc, verbatim, code }) => `${doc}: not in ${verbatim}:\n${code}`);
    expect(differing).toEqual([]);
  });

  it("name every flag and variable of npm start in the README's tables", () => {
    const readme = read('README.md');
    const unnamed = [...START_FLAGS, ...START_VARIABLES].filter((name) => !readme.includes(`| \`${name}`));
    expect(unnamed).toEqual([]);
  });
});

describe('the code', () => {
  it('names in its comments and strings only files that exist', () => {
    const sources = execFileSync(
      'git',
      ['ls-files', '*.ts', '*.py', '*.sh', '*.toml', 'Dockerfile', '.ci/run'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    )
      .split('\n')
      .filter(Boolean);
    expect(sources.length).toBeGreaterThan(100);
    // A path from the repository's root (docs/limits.md, worker/policy.ts), or a Markdown file by name.
    const named =
      /(?<![\w./-])((?:docs|worker|shared|scripts|test|container|clients|examples|bench|migrations)\/[\w./-]*\.(?:ts|md|py|sh|sql|json|toml)|[A-Z][A-Za-z-]*\.md)\b/g;
    const missing = sources.flatMap((file) =>
      [...read(file).matchAll(named)]
        .map(([, target]) => target ?? '')
        .filter((target) => !existsSync(path.join(root, target)))
        .map((target) => `${file} → ${target}`),
    );
    expect(missing).toEqual([]);
  });
});
