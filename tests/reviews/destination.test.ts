import { describe, expect, it } from 'vitest';
import {
  checkDestinationShape,
  classifyAddress,
  DestinationRefusedError,
  resolveDestination,
} from '../../src/modules/reviews/destination.js';

const closed = { allowLoopback: false, allowPrivate: false };

describe('webhook destination policy', () => {
  it('classifies loopback, private and public addresses, including IPv4-mapped IPv6', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['0.0.0.0', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['10.0.0.5', 'private'],
      ['172.20.1.1', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'private'],
      ['169.254.169.254', 'private'],
      ['fd00::1', 'private'],
      ['fe80::1', 'private'],
      ['::ffff:a00:1', 'private'],
      ['8.8.8.8', 'public'],
      ['2606:4700:4700::1111', 'public'],
    ];
    for (const [address, expected] of cases) expect(classifyAddress(address), address).toBe(expected);
  });

  it('refuses by policy, and allows what the settings allow', async () => {
    expect(() => checkDestinationShape('http://[::ffff:7f00:1]/x', closed)).toThrow(DestinationRefusedError);
    expect(() => checkDestinationShape('https://user:pw@example.com/x', closed)).toThrow(/credentials/);
    expect(() =>
      checkDestinationShape('http://10.0.0.1/x', { allowLoopback: true, allowPrivate: false }),
    ).toThrow(/private/);
    expect(() =>
      checkDestinationShape('http://10.0.0.1/x', { allowLoopback: false, allowPrivate: true }),
    ).not.toThrow();
    await expect(resolveDestination(new URL('http://localhost:9/x'), closed)).rejects.toThrow(
      /^localhost resolves to a loopback address$/,
    );
    await expect(
      resolveDestination(new URL('http://localhost:9/x'), { allowLoopback: true, allowPrivate: false }),
    ).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ address: expect.any(String) })]));
    expect(await resolveDestination(new URL('http://8.8.8.8/x'), closed)).toEqual([
      { address: '8.8.8.8', family: 4 },
    ]);
  });
});
