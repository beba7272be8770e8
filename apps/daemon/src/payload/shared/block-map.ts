/**
 * MemoryBlockMap: the in-process twin of the PostgreSQL block map (metadata/stores/
 * postgres-blocks.ts) for unit tests of the shared-mode engine. Both pass blockMapConformance
 * (block-map-conformance.ts). The contract itself is domain/block-map.ts.
 */
import { type BlockMap, type BlockVersions, checkIndexes } from "../../domain/block-map.ts";

export * from "../../domain/block-map.ts";

/** In-memory BlockMap for unit tests of the engine (the PG one is tested by the same suite). */
export class MemoryBlockMap implements BlockMap {
  private readonly payloads = new Map<string, { generation: bigint; blocks: Map<number, string> }>();

  private payload(id: string) {
    let p = this.payloads.get(id);
    if (p === undefined) {
      p = { generation: 0n, blocks: new Map() };
      this.payloads.set(id, p);
    }
    return p;
  }

  async generation(payloadId: string): Promise<bigint> {
    return this.payloads.get(payloadId)?.generation ?? 0n;
  }

  async versions(payloadId: string, indexes: readonly number[]): Promise<BlockVersions> {
    checkIndexes(indexes);
    const p = this.payloads.get(payloadId);
    const versions = new Map<number, string>();
    if (p === undefined) return { generation: 0n, versions };
    for (const i of indexes) {
      const v = p.blocks.get(i);
      if (v !== undefined) versions.set(i, v);
    }
    return { generation: p.generation, versions };
  }

  async commitBlock(payloadId: string, index: number, version: string | null): Promise<bigint> {
    const p = this.payload(payloadId);
    if (version === null) p.blocks.delete(index);
    else p.blocks.set(index, version);
    return ++p.generation;
  }

  async truncate(payloadId: string, from: number): Promise<bigint> {
    const p = this.payload(payloadId);
    for (const i of [...p.blocks.keys()]) if (i >= from) p.blocks.delete(i);
    return ++p.generation;
  }

  /** Every referenced (payloadId, block, version), for tests. */
  referenced(): string[] {
    const out: string[] = [];
    for (const [id, p] of this.payloads) for (const [i, v] of p.blocks) out.push(`${id}:${i}:${v}`);
    return out;
  }
}
