/**
 * The audit record (docs/design.md#the-audit-record): one per decision about a token, issued or refused,
 * in one shape, so a query over the log reads every decision the same way. It carries the token's SHA-256, never
 * the token, and never key material.
 */
import type { ErrorCode } from '../core/errors.ts';
import type { KindName } from '../core/kinds.ts';
import type { ApiRequest } from './event.ts';

/** Who asked, as every audit record says it. */
export interface AuditCaller {
  requestId: string;
  /** The normalised principal (`arn:aws:iam::A:role/R`), absent when the request had no identity. */
  principal: string | undefined;
  /** The principal ARN as API Gateway reported it (the STS assumed-role ARN). */
  callerArn: string | undefined;
  session: string | undefined;
  accountId: string | undefined;
  orgId: string | undefined;
  sourceIp: string | undefined;
  userAgent: string | undefined;
  cognitoIdentityPoolId?: string;
  cognitoIdentityId?: string;
  cognitoAuthenticationType?: string;
}

/** The decision about one token request. */
export interface TokenDecision {
  decision: 'issued' | 'refused';
  /** The refusal's code (absent when issued). */
  code?: ErrorCode;
  /** The precise reason of a refusal, for operators (never sent to the caller). */
  reason?: string;
  /** The token kind, once the profile is known. */
  kind?: KindName;
  keyName?: string;
  keyId?: string;
  scope?: string[] | null;
  ttl?: number;
  iat?: number;
  exp?: number;
  /** Issued only: written after the signature, last in the line. */
  tokenSha256?: string;
}

export type AuditRecord = { event: 'token.decision' } & AuditCaller & { profile: string } & TokenDecision;

/** A refusal before any profile is involved (`GET /v1/profiles`, `GET /v1/health`). */
export interface AccessRefusedRecord {
  event: 'access.refused';
  requestId: string;
  path: string;
  callerArn: string | undefined;
  sourceIp: string | undefined;
  reason: string;
  cognitoIdentityPoolId?: string;
  cognitoIdentityId?: string;
  cognitoAuthenticationType?: string;
}

/** What the audit record says of a caller with Cognito identity-pool credentials. */
function cognitoFields(request: ApiRequest): Pick<AuditCaller, 'cognitoIdentityPoolId' | 'cognitoIdentityId' | 'cognitoAuthenticationType'> {
  const cognito = request.caller?.cognito;
  return cognito === undefined ? {} : { cognitoIdentityPoolId: cognito.identityPoolId, cognitoIdentityId: cognito.identityId, cognitoAuthenticationType: cognito.authenticationType };
}

/** The decision record of a token request (the profile as the path named it, at most 128 characters). */
export function tokenDecision(request: ApiRequest, profile: string, decision: TokenDecision): AuditRecord {
  return {
    event: 'token.decision',
    requestId: request.requestId,
    principal: request.caller?.principal,
    callerArn: request.rawCallerArn,
    session: request.caller?.session,
    accountId: request.caller?.accountId,
    orgId: request.caller?.orgId,
    sourceIp: request.sourceIp,
    userAgent: request.userAgent,
    ...cognitoFields(request),
    profile: profile.slice(0, 128),
    ...decision,
  };
}

export function accessRefused(request: ApiRequest, reason: string): AccessRefusedRecord {
  return { event: 'access.refused', requestId: request.requestId, path: request.path, callerArn: request.rawCallerArn, sourceIp: request.sourceIp, reason, ...cognitoFields(request) };
}
