/**
 * Preloaded into the gateway by bench/allocations.ts (`node --import`): V8's sampling heap
 * profiler, keeping the samples of objects the collector has already freed (what a request
 * allocates and drops is the young generation's work, and would vanish from a live-objects
 * profile). The first SIGUSR2 starts sampling, the second stops it and writes the profile to
 * REGATE_HEAP_SAMPLES (JSON of the DevTools protocol's SamplingHeapProfile).
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const out = process.env.REGATE_HEAP_SAMPLES;
const interval = Number(process.env.REGATE_HEAP_SAMPLE_BYTES ?? '128');
if (out) {
  const session = new Session();
  session.connect();
  let sampling = false;
  process.on('SIGUSR2', () => {
    if (!sampling) {
      sampling = true;
      session.post('HeapProfiler.startSampling', { samplingInterval: interval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, (err) => {
        if (err) process.stderr.write(`heap-sampler: ${err.message}\n`);
        else process.stdout.write('HEAP SAMPLING\n');
      });
      return;
    }
    session.post('HeapProfiler.stopSampling', (err, r) => {
      if (err) process.stderr.write(`heap-sampler: ${err.message}\n`);
      else writeFileSync(out, JSON.stringify(r.profile));
      process.stdout.write('HEAP SAMPLES WRITTEN\n');
    });
  });
}
