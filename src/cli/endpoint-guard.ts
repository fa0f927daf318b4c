/**
 * The ops commands send key material (`keys import`'s PutSecretValue, KMS's wrapped import) and read it back
 * (`keys show`/`verify`'s GetSecretValue). Wherever the SDK's configuration points them — `AWS_ENDPOINT_URL*`, a
 * profile's `endpoint_url`, a leftover test setting — every request is checked as it leaves, after the SDK has
 * resolved its endpoint:
 *  - never in clear text off this machine (`http:` only on loopback);
 *  - to the service's own AWS endpoint as configured: `SERVICE[-fips].REGION.amazonaws.com` (`.amazonaws.com.cn`,
 *    `.amazonaws.eu`), its dual-stack `SERVICE.REGION.api.aws`, or an interface VPC endpoint's
 *    `vpce-….SERVICE.REGION.vpce.amazonaws.com`. Not any `*.amazonaws.com`: customers own hosts there (an API
 *    Gateway's `ID.execute-api…`, a load balancer's `….elb…`, an S3 bucket's `BUCKET.s3…`), and any of them would
 *    take a `.p8` as gladly. Anywhere else the endpoint is named on stderr before the first request, and one that is
 *    not loopback either (a MinIO, an emulator, a typo, a variable left from another tool, an attacker's API on
 *    amazonaws.com) only when the operator named it with `--endpoint-url` — a `.p8` must not go to an endpoint
 *    nobody chose on purpose.
 */
import { isLoopbackHost } from '../client/url.ts';
import { CliError, EXIT, UsageError } from './io.ts';

interface MiddlewareClient {
  middlewareStack: {
    add(middleware: (next: (args: any) => Promise<any>) => (args: any) => Promise<any>, options: { step: 'finalizeRequest'; name: string; override: boolean }): void;
  };
}

/**
 * Whether `hostname` is one of AWS's own endpoints for `service` (`secretsmanager`, `kms`): regional (FIPS too) in
 * the commercial, China and European Sovereign Cloud domains, dual-stack (`api.aws`), or an interface VPC endpoint.
 */
export function isAwsHost(hostname: string, service: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const name = service.replace(/[^a-z0-9-]/g, '');
  return (
    new RegExp(`^${name}(-fips)?\\.[a-z]{2,4}(-[a-z]+)+-\\d\\.(amazonaws\\.com|amazonaws\\.com\\.cn|amazonaws\\.eu|api\\.aws)$`).test(host) ||
    new RegExp(`^vpce-[a-z0-9-]+\\.${name}(-fips)?\\.[a-z]{2,4}(-[a-z]+)+-\\d\\.vpce\\.(amazonaws\\.com|amazonaws\\.com\\.cn|amazonaws\\.eu)$`).test(host)
  );
}

/**
 * `--endpoint-url URL` taken out of a command's arguments (both `--endpoint-url URL` and `--endpoint-url=URL`).
 * @throws UsageError for a value that is not an https URL (http only on loopback) or that carries more than a base.
 */
export function takeEndpointUrl(args: readonly string[]): { endpointUrl: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let endpointUrl: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--endpoint-url' || arg.startsWith('--endpoint-url=')) {
      const value = arg === '--endpoint-url' ? args[++i] : arg.slice('--endpoint-url='.length);
      if (value === undefined || value === '') throw new UsageError('--endpoint-url takes a URL (https://…)');
      if (endpointUrl !== undefined) throw new UsageError('give --endpoint-url once');
      endpointUrl = value;
      continue;
    }
    rest.push(arg);
  }
  if (endpointUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(endpointUrl);
    } catch {
      throw new UsageError('--endpoint-url is not a URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) throw new UsageError(`--endpoint-url must be https: (http: only on loopback), not ${url.protocol}//${url.host}`);
    if (url.username || url.password || url.search || url.hash) throw new UsageError('--endpoint-url must not carry credentials, a query or a fragment');
  }
  return { endpointUrl, rest };
}

export interface EndpointOptions {
  /** The endpoint named with `--endpoint-url`, if any: the one non-AWS, non-loopback place requests may go. */
  explicit?: string | undefined;
  /** Where the endpoint is named (stderr). */
  note?: (text: string) => void;
}

/**
 * Check every request of `client` as it leaves (see the module's comment).
 * @throws CliError `insecure_endpoint` (exit 2) for http: off loopback, `untrusted_endpoint` (exit 2) for a host that
 * is neither AWS's, nor loopback, nor the one given with `--endpoint-url`.
 */
export function refuseInsecureEndpoints<T extends MiddlewareClient>(client: T, service: string, variable: string, options: EndpointOptions = {}): T {
  const endpointPrefix = service === 'KMS' ? 'kms' : 'secretsmanager';
  const explicit = options.explicit === undefined ? undefined : new URL(options.explicit);
  const named = new Set<string>();
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { protocol?: string; hostname?: string; port?: number | string } | undefined;
      const hostname = request?.hostname ?? '';
      const where = `${request?.protocol ?? 'https:'}//${hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname}${request?.port ? `:${request.port}` : ''}`;
      if (request?.protocol === 'http:' && !isLoopbackHost(hostname)) {
        throw new CliError(
          'insecure_endpoint',
          `${service} is configured at http://${hostname}: key material travels only over https (http only on loopback)`,
          EXIT.usage,
          `Unset ${variable} / AWS_ENDPOINT_URL (or the profile's endpoint_url), or use an https endpoint.`,
        );
      }
      if (!isAwsHost(hostname, endpointPrefix)) {
        const chosen = explicit !== undefined && explicit.hostname.replace(/^\[|\]$/g, '').toLowerCase() === hostname.replace(/^\[|\]$/g, '').toLowerCase() && String(explicit.port || '') === String(request?.port ?? '');
        if (!isLoopbackHost(hostname) && !chosen) {
          throw new CliError(
            'untrusted_endpoint',
            `${service} is configured at ${where}, which is not an AWS endpoint: nothing is sent there unless you name it with --endpoint-url`,
            EXIT.usage,
            `If that is where your ${service} really is (a VPC endpoint's own name, an emulator), pass --endpoint-url ${where}; otherwise unset ${variable} / AWS_ENDPOINT_URL (or the profile's endpoint_url).`,
          );
        }
        if (!named.has(where)) {
          named.add(where);
          options.note?.(`asc-token: ${service} endpoint: ${where} (not an AWS host${chosen ? ', named with --endpoint-url' : ''})\n`);
        }
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'ascTokenVendingRefuseInsecureEndpoint', override: true },
  );
  return client;
}
