// One clock for every process of the benchmark: CLOCK_MONOTONIC (process.hrtime), which on Linux
// is system-wide, so a timestamp taken in the writer and one taken in the relay or the consumer
// can be subtracted. performance.now() is per-process (its origin is the process start).
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
