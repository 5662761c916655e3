/**
 * `npm run check:imports`: fails on an import circle among the project's own modules, or on an
 * import that crosses a boundary the layout promises: `shared/` (the contract and its clients) runs
 * in workerd and in Node and imports nothing from `worker/` or `container/`; `container/` reaches the
 * Worker only through the contract.
 *
 * Type-only imports count: a type that `shared/` takes from `worker/` ties every client to the
 * Worker's code and its `Env` just the same.
 *
 * @example
 * node scripts/check-imports.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folders walked, relative to the repository. */
export const SOURCE_DIRS = ['shared', 'worker', 'container', 'scripts'] as const;

/** Folder → the folders its modules must not import. */
export const FORBIDDEN: Record<string, readonly string[]> = {
  shared: ['worker', 'container', 'scripts'],
  container: ['worker', 'scripts'],
  worker: ['container', 'scripts'],
};

/** Module (a path relative to the root, with `/`) → the project modules it imports. */
export type ImportGraph = Map<string, string[]>;

// `import … from '…'`, `import type … from '…'`, `export … from '…'` and `import '…'`, also across
// lines. The clause may hold only names, braces, commas, `*`, `as` and `type`, so that a string in
// code or a comment that merely contains the word "from" is not read as an import.
const IMPORT = /^\s*(?:import|export)\s+(?:[\w$*{},\s]+?\s+from\s+)?['"]([^'"\n]+)['"]/gm;

/** The relative specifiers a module imports, in order. */
export function importsOf(source: string): string[] {
  return [...source.matchAll(IMPORT)].flatMap(([, spec]) => (spec?.startsWith('.') ? [spec] : []));
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(file);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [file] : [];
  });
}

/** The import graph of the project's modules under `dirs`, edges only between project modules. */
export function importGraph(root: string, dirs: readonly string[] = SOURCE_DIRS): ImportGraph {
  const relative = (file: string) => path.relative(root, file).split(path.sep).join('/');
  const graph: ImportGraph = new Map();
  for (const dir of dirs) {
    for (const file of walk(path.join(root, dir))) {
      const targets = importsOf(readFileSync(file, 'utf8')).map((spec) =>
        relative(path.resolve(path.dirname(file), spec)),
      );
      graph.set(relative(file), [...new Set(targets)]);
    }
  }
  return graph;
}

/**
 * The import circles: each strongly connected set of modules (Tarjan), as one circular path through
 * it, e.g. `['a.ts', 'b.ts', 'a.ts']`. A module that imports itself is a circle too.
 */
export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;
  const visit = (module: string) => {
    index.set(module, next);
    low.set(module, next);
    next++;
    stack.push(module);
    onStack.add(module);
    for (const target of graph.get(module) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(module, Math.min(low.get(module) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) {
        low.set(module, Math.min(low.get(module) ?? 0, index.get(target) ?? 0));
      }
    }
    if (low.get(module) !== index.get(module)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
      if (member === module) break;
    }
    if (component.length > 1 || graph.get(module)?.includes(module)) components.push(component);
  };
  for (const module of [...graph.keys()].sort()) if (!index.has(module)) visit(module);
  return components.map((component) => circleThrough(graph, new Set(component)));
}

// One circular path through a strongly connected set, found breadth-first from its first module.
function circleThrough(graph: ImportGraph, members: Set<string>): string[] {
  const [start] = [...members].sort();
  if (start === undefined) return [];
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (const module of queue) {
    for (const target of graph.get(module) ?? []) {
      if (!members.has(target)) continue;
      if (target === start) {
        const between: string[] = [];
        for (let at: string | undefined = module; at !== undefined && at !== start; at = cameFrom.get(at))
          between.unshift(at);
        return [start, ...between, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, module);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

/** Each import from one folder into a folder it must not import from, as `from → to`. */
export function forbiddenImports(
  graph: ImportGraph,
  forbidden: Record<string, readonly string[]> = FORBIDDEN,
): string[] {
  const top = (module: string) => module.split('/')[0] ?? '';
  return [...graph].flatMap(([module, targets]) =>
    targets
      .filter((target) => forbidden[top(module)]?.includes(top(target)))
      .map((target) => `${module} → ${target}`),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const graph = importGraph(path.resolve(import.meta.dirname, '..'));
  const cycles = importCycles(graph);
  const crossings = forbiddenImports(graph);
  for (const cycle of cycles) console.error(`import circle: ${cycle.join(' → ')}`);
  for (const crossing of crossings) console.error(`import across a boundary: ${crossing}`);
  if (cycles.length > 0 || crossings.length > 0) process.exit(1);
  console.log(`${graph.size} modules under ${SOURCE_DIRS.join('/, ')}/: no import circle, no crossing`);
}
