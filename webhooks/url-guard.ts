// Where webhooks may go (SSRF). Cloud metadata and link-local addresses are refused in every
// mode; `strict` (production) also wants https and refuses loopback, private, shared (CGNAT) and
// other non-public addresses. Checked when a URL is registered (its DNS answers) and again when
// each delivery connects (`guardedLookup`, the connection's own resolution), so a name that
// resolves elsewhere later (DNS rebinding) still cannot reach them.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** `standard`: development and tests (any host but metadata / link-local); `strict`: production. */
export type UrlPolicy = 'standard' | 'strict';

const always = new BlockList();
always.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, AWS/GCP/Azure metadata 169.254.169.254
always.addSubnet('fe80::', 10, 'ipv6'); // link-local
always.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6
always.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata

const nonPublic = new BlockList();
nonPublic.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network", 0.0.0.0 reaches loopback
nonPublic.addSubnet('127.0.0.0', 8, 'ipv4'); // loopback
nonPublic.addSubnet('10.0.0.0', 8, 'ipv4'); // RFC 1918
nonPublic.addSubnet('172.16.0.0', 12, 'ipv4');
nonPublic.addSubnet('192.168.0.0', 16, 'ipv4');
nonPublic.addSubnet('100.64.0.0', 10, 'ipv4'); // shared address space (CGNAT)
nonPublic.addSubnet('192.0.0.0', 24, 'ipv4'); // IETF protocol assignments
nonPublic.addSubnet('198.18.0.0', 15, 'ipv4'); // benchmarking
nonPublic.addSubnet('224.0.0.0', 4, 'ipv4'); // multicast
nonPublic.addSubnet('240.0.0.0', 4, 'ipv4'); // reserved, broadcast
nonPublic.addAddress('::', 'ipv6'); // unspecified
nonPublic.addAddress('::1', 'ipv6'); // loopback
nonPublic.addSubnet('fc00::', 7, 'ipv6'); // unique local (ULA)
nonPublic.addSubnet('ff00::', 8, 'ipv6'); // multicast
nonPublic.addSubnet('64:ff9b::', 96, 'ipv6'); // NAT64: may embed any IPv4 address

/** Names of metadata services, refused whatever they resolve to. */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
]);

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, `::ffff:a9fe:a9fe`) carries. */
function mappedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)?.[1];
  if (dotted) return dotted;
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex?.[1] || !hex[2]) return undefined;
  const high = Number.parseInt(hex[1], 16);
  const low = Number.parseInt(hex[2], 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** Why a webhook may not connect to this IP address under the policy; undefined: it may. */
export function addressRefusal(address: string, policy: UrlPolicy): string | undefined {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const mapped = family === 6 ? mappedIpv4(address) : undefined;
  const [ip, type] = mapped ? [mapped, 'ipv4' as const] : [address, family === 4 ? 'ipv4' : 'ipv6'];
  if (always.check(ip, type as 'ipv4' | 'ipv6')) {
    return `${address} is a link-local or cloud metadata address`;
  }
  if (policy === 'strict' && nonPublic.check(ip, type as 'ipv4' | 'ipv6')) {
    return `${address} is a loopback, private or otherwise non-public address`;
  }
  return undefined;
}

const bare = (hostname: string) =>
  hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();

/** Why this host name may not be used before any lookup (metadata names, `localhost` in strict). */
export function hostnameRefusal(hostname: string, policy: UrlPolicy): string | undefined {
  const host = bare(hostname);
  if (METADATA_NAMES.has(host)) return `${host} is a cloud metadata service`;
  if (policy === 'strict' && (host === 'localhost' || host.endsWith('.localhost'))) {
    return `${host} is loopback`;
  }
  if (isIP(host) !== 0) return addressRefusal(host, policy);
  return undefined;
}

/** Why this URL may not be used without resolving it (scheme, names, IP literals). */
export function staticRefusal(url: string, policy: UrlPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'not http or https';
  if (policy === 'strict' && parsed.protocol !== 'https:')
    return 'production webhooks must use https';
  if (parsed.username || parsed.password) return 'a webhook URL carries no credentials';
  return hostnameRefusal(parsed.hostname, policy);
}

export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/**
 * The check at registration: the URL's form, then every address its host resolves to now. A
 * host that does not resolve is refused in `strict` (nothing could be checked) and let through
 * otherwise (each delivery checks again when it connects).
 */
export async function urlRefusal(
  url: string,
  policy: UrlPolicy,
  resolve: Resolve = systemResolve,
): Promise<string | undefined> {
  const refusal = staticRefusal(url, policy);
  if (refusal) return refusal;
  const host = bare(new URL(url).hostname);
  if (isIP(host) !== 0) return undefined;
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    if (policy !== 'strict') return undefined;
    return `${host} does not resolve (${(error as { code?: string }).code ?? 'lookup failed'})`;
  }
  for (const { address } of addresses) {
    const refused = addressRefusal(address, policy);
    if (refused) return `${host} resolves to ${refused}`;
  }
  return undefined;
}

/** An attempt refused before connecting: the address its host resolved to is not allowed. */
export class WebhookAddressRefused extends Error {
  readonly code = 'EWEBHOOKADDRESS';
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;
type LookupFn = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/**
 * A `lookup` for the HTTP connection (undici's `connect` option → `net.connect`): resolves as
 * usual, then fails the connection if the name or any address it resolved to is refused, so the
 * address checked is the address connected to.
 */
export function guardedLookup(policy: UrlPolicy, base: LookupFn = dnsLookup as LookupFn): LookupFn {
  return (hostname, options, callback) => {
    const named = hostnameRefusal(hostname, policy);
    if (named) {
      callback(new WebhookAddressRefused(`refused to connect: ${named}`), '');
      return;
    }
    const wantsAll = typeof options === 'object' && options?.all === true;
    base(
      hostname,
      { ...(typeof options === 'object' ? options : {}), all: true },
      (error, found) => {
        if (error) return callback(error, '');
        const addresses = found as LookupAddress[];
        for (const { address } of addresses) {
          const refused = addressRefusal(address, policy);
          if (refused) {
            callback(
              new WebhookAddressRefused(`refused to connect: ${hostname} resolves to ${refused}`),
              '',
            );
            return;
          }
        }
        const first = addresses[0];
        if (!first)
          return callback(
            Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }),
            '',
          );
        if (wantsAll) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
    );
  };
}
