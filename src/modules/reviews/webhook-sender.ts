/**
 * One HTTP attempt: POST the JSON body to the checked address with the signature headers, within a
 * timeout. Redirects are not followed (a 3xx is a failure). Only a 2xx counts as delivered.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { resolveDestination, parseDestination, type DestinationPolicy } from './destination.js';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature.js';

export interface SendInput {
  url: string;
  body: string;
  secret: string;
  headers: Record<string, string>;
  timeoutMs: number;
  policy: DestinationPolicy;
}

export interface SendResult {
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

const MAX_ERROR_LENGTH = 500;

/** Throws DestinationRefusedError (policy) or DestinationUnresolvedError (DNS) before any byte is sent. */
export async function sendWebhook(input: SendInput): Promise<SendResult> {
  const url = parseDestination(input.url);
  const addresses = await resolveDestination(url, input.policy);
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (r: Omit<SendResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, error: r.error?.slice(0, MAX_ERROR_LENGTH) ?? null, durationMs: elapsed() });
    };
    const req = client.request(
      url,
      {
        method: 'POST',
        lookup: pinned,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(input.body),
          'user-agent': 'Oversight-Webhooks/1',
          [SIGNATURE_HEADER]: signatureHeader(input.secret, input.body),
          ...input.headers,
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.resume(); // the body is not needed; drain it so the socket is released
        res.on('end', () =>
          finish({
            ok: status >= 200 && status < 300,
            httpStatus: status,
            error: status >= 200 && status < 300 ? null : `HTTP ${status} ${res.statusMessage ?? ''}`.trim(),
          }),
        );
        res.on('error', (e) => finish({ ok: false, httpStatus: status, error: e.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, httpStatus: null, error: `timed out after ${input.timeoutMs} ms` });
      req.destroy();
    }, input.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) =>
      finish({ ok: false, httpStatus: null, error: e.code ? `${e.code}: ${e.message}` : e.message }),
    );
    req.end(input.body);
  });
}
