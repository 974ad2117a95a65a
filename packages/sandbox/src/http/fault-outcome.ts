import { sleep } from '@vkwire/core';
import type { FaultAction } from '../faults.js';

/** How a transport-level fault ends a request, whatever serves it. */
export type FaultOutcome = { kind: 'page'; status: number } | { kind: 'drop' };

/**
 * Applies the transport part of a fault: a page (5xx or HTML), a dropped connection, a delay
 * (then undefined: go on normally), or a hang until `signal` aborts (then a drop). Protocol
 * faults (`error`, `failed`) give undefined: the endpoint answers them itself.
 */
export async function resolveFault(
  fault: FaultAction | undefined,
  signal: AbortSignal,
): Promise<FaultOutcome | undefined> {
  switch (fault?.kind) {
    case 'status':
      return { kind: 'page', status: fault.status };
    case 'html':
      return { kind: 'page', status: 200 };
    case 'drop':
      return { kind: 'drop' };
    case 'delay':
      await sleep(fault.ms, signal);
      return undefined;
    case 'hang':
      await new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      return { kind: 'drop' };
    default:
      return undefined;
  }
}

/** The body of a proxy's error page. */
export function proxyPageBody(status: number): string {
  return `<html><head><title>${status}</title></head><body><center><h1>${status}</h1></center><hr><center>nginx</center></body></html>`;
}
