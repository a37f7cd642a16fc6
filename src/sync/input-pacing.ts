import { setImmediate as yieldToIo } from 'node:timers/promises';
import { exposedGc, HeapGovernor } from './heap-governor.js';

/** Heap growth between forced full collections (when the process allows them). */
const HEAP_BUDGET_BYTES = 16 * 1024 * 1024;
/**
 * Messages handed to the engine between two turns of the event loop, so answers that arrived
 * meanwhile free their slot promptly instead of after a whole input chunk (bench/README.md
 * measures the effect).
 */
const MESSAGES_PER_TURN = 32;

/**
 * Process-level policy around the engine's input: hands the messages over in slices with a turn of
 * the event loop between them, and keeps memory flat with the heap governor after each input chunk.
 */
export async function* pacedInput<M>(chunks: AsyncIterable<readonly M[]>): AsyncGenerator<readonly M[]> {
  const heap = new HeapGovernor({ budgetBytes: HEAP_BUDGET_BYTES, collect: exposedGc() });
  let sinceTurn = 0;
  for await (const chunk of chunks) {
    for (let start = 0; start < chunk.length; ) {
      if (sinceTurn >= MESSAGES_PER_TURN) {
        await yieldToIo();
        sinceTurn = 0;
      }
      const count = Math.min(MESSAGES_PER_TURN - sinceTurn, chunk.length - start);
      yield count === chunk.length ? chunk : chunk.slice(start, start + count);
      start += count;
      sinceTurn += count;
    }
    heap.check();
  }
}
