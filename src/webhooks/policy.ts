/**
 * Where a webhook may go. The rules of LangGraph Platform's `webhooks.url` (length, https, port
 * and domain allowlists, loopback) plus SSRF protection that is on by default here: a destination
 * whose address (after DNS resolution) is loopback, private, link-local, CGNAT, multicast or
 * otherwise reserved is refused unless it falls in `allowed_networks`. The address check runs
 * again inside the connection's DNS lookup at send time (see `deliver.ts`), so a name that
 * resolves to a public address at creation and to 127.0.0.1 later is still refused.
 */
import { BlockList, isIP } from "node:net";

/** The resolved URL policy. */
export interface WebhookUrlPolicy {
  requireHttps: boolean;
  /** Exact hosts or `*.example.com` (subdomains only); empty: any public host. */
  allowedDomains: string[];
  /** Empty: any port. */
  allowedPorts: number[];
  maxUrlLength: number;
  /** Relative paths (`/my/route`, dispatched in-process) refused when true. */
  disableLoopback: boolean;
  /** CIDR ranges exempt from the private-address check. */
  allowedNetworks: string[];
}

/** The defaults: loopback and private destinations refused. */
export const DEFAULT_POLICY: WebhookUrlPolicy = {
  requireHttps: false,
  allowedDomains: [],
  allowedPorts: [],
  maxUrlLength: 4096,
  disableLoopback: true,
  allowedNetworks: [],
};

/** A refused destination; the message is shown to the client (422). */
export class WebhookUrlError extends Error {
  override name = "WebhookUrlError";
}

// Special-purpose ranges (IANA IPv4/IPv6 special registries) a webhook must not reach by default.
const DENIED_V4 = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.88.99.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
];
const DENIED_V6 = [
  "::/128",
  "::1/128",
  "64:ff9b::/96",
  "100::/64",
  "2001:db8::/32",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8",
];

const denied = new BlockList();
for (const cidr of DENIED_V4) addSubnet(denied, cidr);
for (const cidr of DENIED_V6) addSubnet(denied, cidr);

function addSubnet(list: BlockList, cidr: string): void {
  const [address, bits] = cidr.split("/");
  const family = isIP(address ?? "");
  const prefix = Number(bits ?? (family === 6 ? 128 : 32));
  if (family === 0 || !Number.isInteger(prefix)) throw new Error(`invalid CIDR range "${cidr}"`);
  list.addSubnet(address!, prefix, family === 6 ? "ipv6" : "ipv4");
}

/** Compiles `allowedNetworks`; throws on a malformed range (a configuration error). */
export function networkAllowlist(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs)
    addSubnet(list, cidr.includes("/") ? cidr : `${cidr}/${isIP(cidr) === 6 ? 128 : 32}`);
  return list;
}

/** IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is checked as the IPv4 address it carries. */
function normalize(address: string): { address: string; family: "ipv4" | "ipv6" } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, family: "ipv4" };
  return { address, family: isIP(address) === 6 ? "ipv6" : "ipv4" };
}

/** Whether the destination address may be reached under the policy. */
export function addressAllowed(address: string, allow: BlockList): boolean {
  const { address: a, family } = normalize(address);
  if (allow.check(a, family)) return true;
  return !denied.check(a, family);
}

/** Checks an already-resolved address; throws `WebhookUrlError` when refused. */
export function checkAddress(address: string, allow: BlockList): void {
  if (!addressAllowed(address, allow))
    throw new WebhookUrlError("Webhook host resolves to a disallowed IP");
}

const hostMatches = (host: string, pattern: string) => {
  const p = pattern.trim().toLowerCase();
  return p.startsWith("*.") ? host.endsWith(`.${p.slice(2)}`) : host === p;
};

/** A checked destination: in-process path or an absolute URL with its bare host. */
export type WebhookTarget =
  | { kind: "loopback"; path: string }
  | { kind: "remote"; url: URL; host: string };

/**
 * The checks that need no network: length, relative paths, scheme, https, port and domain
 * allowlists, literal addresses (`127.0.0.1`, `[::1]`) and `localhost`. DNS comes later.
 */
export function checkWebhookUrl(
  raw: string,
  policy: WebhookUrlPolicy,
  allow: BlockList,
): WebhookTarget {
  if (raw.length > policy.maxUrlLength) throw new WebhookUrlError("Webhook URL too long");
  if (raw.startsWith("/")) {
    if (raw.startsWith("//")) throw new WebhookUrlError(`Invalid webhook URL: ${raw}`);
    if (policy.disableLoopback) throw new WebhookUrlError("Loopback webhooks are disabled");
    return { kind: "loopback", path: raw };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError(`Invalid webhook URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new WebhookUrlError(`Invalid webhook URL: ${raw}`);
  if (policy.requireHttps && url.protocol !== "https:")
    throw new WebhookUrlError("Webhook must use https");
  if (url.username || url.password)
    throw new WebhookUrlError("Webhook URL must not carry credentials");
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  if (policy.allowedPorts.length > 0 && !policy.allowedPorts.includes(port))
    throw new WebhookUrlError(`Webhook port ${port} not allowed`);
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .toLowerCase()
    .replace(/\.$/, "");
  if (!host) throw new WebhookUrlError(`Invalid webhook hostname '${host}'`);
  if (policy.allowedDomains.length > 0 && !policy.allowedDomains.some((d) => hostMatches(host, d)))
    throw new WebhookUrlError("Webhook domain not allowed");
  if (isIP(host)) checkAddress(host, allow);
  else if (host === "localhost" || host.endsWith(".localhost")) checkAddress("127.0.0.1", allow);
  return { kind: "remote", url, host };
}
