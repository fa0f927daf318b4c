/**
 * The Lambda entry point (`dist/handler.mjs`, export `handler`). Accepts REST (v1), HTTP API (v2) and function URL
 * events and answers every input with a well-formed response; it never throws to the runtime.
 */
import type { APIGatewayProxyResult, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { TokenVendingError } from './core/errors.ts';
import { fromLambdaEvent, type LambdaContext, type LambdaEvent } from './http/event.ts';
import { problem, type ApiResponse } from './http/response.ts';
import { createLogger } from './log.ts';
import { createRuntime, type Runtime } from './runtime.ts';

/**
 * The answer: a proxy result for a REST API (v1) and for an HTTP API or function URL (v2) alike, as
 * @types/aws-lambda has them (the intersection holds the code to both).
 */
export type LambdaResponse = ApiResponse & { isBase64Encoded: false } & APIGatewayProxyResult & APIGatewayProxyStructuredResultV2;

/** The function's signature: `handler(event, context)` as the Lambda runtime calls it. */
export type LambdaHandler = (event: LambdaEvent, context?: LambdaContext) => Promise<LambdaResponse>;

export interface HandlerOptions {
  /** Build the runtime (config, policy, keys); the default reads the environment once per container. */
  init?: () => Runtime;
}

/** Build a handler; tests inject their runtime, the exported `handler` builds one from the environment. */
export function createHandler(options: HandlerOptions = {}): LambdaHandler {
  let runtime: Runtime | undefined;
  let initError: unknown;
  return async function handler(event, context) {
    let requestId = context?.awsRequestId ?? 'unknown';
    try {
      const request = fromLambdaEvent(event, context);
      requestId = request.requestId;
      if (runtime === undefined && initError === undefined) {
        try {
          runtime = (options.init ?? createRuntime)();
        } catch (error) {
          initError = error;
        }
      }
      if (runtime === undefined) {
        // Bad configuration or policy: fail every request loudly in the log, quietly to the caller.
        createLogger().error('cannot start: configuration or policy is invalid', { requestId, error: initError });
        throw new TokenVendingError('internal', 'The service is misconfigured; the request ID identifies the cause in its logs.');
      }
      return { ...(await runtime.handle(request)), isBase64Encoded: false };
    } catch (error) {
      const failure = error instanceof TokenVendingError ? error : new TokenVendingError('internal', 'The service failed to answer.');
      return { ...problem(failure, requestId), isBase64Encoded: false };
    }
  };
}

export const handler: LambdaHandler = createHandler();
