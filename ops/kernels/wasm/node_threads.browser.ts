/** The browser bundle's node_threads.ts: no helper threads for the kernels (see there). */
export function nodeThreads(): null {
  return null;
}
