/**
 * The ops commands send key material (`keys import`'s PutSecretValue, KMS's wrapped import) and read it back
 * (`keys show`/`verify`'s GetSecretValue). Wherever the SDK's configuration points them — `AWS_ENDPOINT_URL*`, a
 * profile's `endpoint_url`, a leftover test setting — they must not travel in clear text off this machine: every
 * request is checked as it leaves, after the SDK has resolved its endpoint.
 */
import { isLoopbackHost } from '../client/url.ts';
import { CliError, EXIT } from './io.ts';

interface MiddlewareClient {
  middlewareStack: {
    add(middleware: (next: (args: any) => Promise<any>) => (args: any) => Promise<any>, options: { step: 'finalizeRequest'; name: string; override: boolean }): void;
  };
}

/** Refuse any request of `client` to an http: endpoint that is not loopback (CliError `insecure_endpoint`, exit 2). */
export function refuseInsecureEndpoints<T extends MiddlewareClient>(client: T, service: string, variable: string): T {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { protocol?: string; hostname?: string } | undefined;
      if (request?.protocol === 'http:' && !isLoopbackHost(request.hostname ?? '')) {
        throw new CliError(
          'insecure_endpoint',
          `${service} is configured at http://${request.hostname}: key material travels only over https (http only on loopback)`,
          EXIT.usage,
          `Unset ${variable} / AWS_ENDPOINT_URL (or the profile's endpoint_url), or use an https endpoint.`,
        );
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'ascTokenVendingRefuseInsecureEndpoint', override: true },
  );
  return client;
}
