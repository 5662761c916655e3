import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  forbiddenImports,
  type ImportGraph,
  importCycles,
  importGraph,
  importsOf,
} from '../../scripts/check-imports.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const graphOf = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

describe('the import check', () => {
  it('reads value, type, re-export, side-effect and multi-line imports, and nothing else', () => {
    const source = `import { a } from './a.ts';
import type { B } from '../b.ts';
export * from './c.ts';
export type { D } from './d.ts';
import './e.ts';
import {
  f,
  type G,
} from './f.ts';
import { z } from 'zod';
const text = 'import { x } from "./not-an-import.ts"';
/**
 * import { y } from './in-a-comment.ts';
 */
const from = await import('./dynamic.ts');
`;
    expect(importsOf(source)).toEqual(['./a.ts', '../b.ts', './c.ts', './d.ts', './e.ts', './f.ts']);
  });

  it('finds a circle of two modules and one through several, each as a path', () => {
    const cycles = importCycles(
      graphOf({
        'worker/gateway.ts': ['worker/streams.ts', 'worker/errors.ts'],
        'worker/streams.ts': ['worker/gateway.ts'],
        'worker/errors.ts': [],
        'shared/index.ts': ['worker/router.ts'],
        'worker/router.ts': ['worker/routers/db.ts'],
        'worker/routers/db.ts': ['shared/index.ts', 'worker/errors.ts'],
      }),
    );
    expect(cycles).toHaveLength(2);
    expect(cycles).toContainEqual(['worker/gateway.ts', 'worker/streams.ts', 'worker/gateway.ts']);
    expect(cycles).toContainEqual([
      'shared/index.ts',
      'worker/router.ts',
      'worker/routers/db.ts',
      'shared/index.ts',
    ]);
  });

  it('finds no circle in a tree that shares a module', () => {
    const graph = graphOf({ 'a.ts': ['b.ts', 'c.ts'], 'b.ts': ['c.ts'], 'c.ts': [] });
    expect(importCycles(graph)).toEqual([]);
  });

  it('names an import from shared/ into worker/, type-only or not', () => {
    const graph = graphOf({
      'shared/client.ts': ['worker/router.ts', 'shared/errors.ts'],
      'worker/router.ts': ['shared/errors.ts'],
      'shared/errors.ts': [],
    });
    expect(forbiddenImports(graph)).toEqual(['shared/client.ts → worker/router.ts']);
  });

  it('passes this repository: no circle in shared/, worker/, container/ or scripts/, and shared/ imports neither', () => {
    const graph = importGraph(root);
    expect(graph.get('shared/client.ts')).toContain('shared/router-type.ts');
    expect(importCycles(graph)).toEqual([]);
    expect(forbiddenImports(graph)).toEqual([]);
  });
});
