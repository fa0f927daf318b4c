/** Which hosts are a service's own AWS endpoints, and `--endpoint-url` (src/cli/endpoint-guard.ts; issue #20, finding 7). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAwsHost, takeEndpointUrl } from '../../src/cli/endpoint-guard.ts';

describe('endpoint guard', () => {
  it('which hosts are AWS\'s endpoints for the service: not every *.amazonaws.com (customers own API Gateways, load balancers and buckets there)', () => {
    for (const host of ['secretsmanager.us-east-1.amazonaws.com', 'secretsmanager-fips.us-gov-west-1.amazonaws.com', 'secretsmanager.eu-west-1.amazonaws.com.', 'secretsmanager.cn-north-1.amazonaws.com.cn', 'secretsmanager.us-east-1.api.aws', 'vpce-0a1b2c3d4e5f-abcdefgh.secretsmanager.eu-west-1.vpce.amazonaws.com', 'vpce-0a1b2c3d4e5f-abcdefgh-eu-west-1a.secretsmanager.eu-west-1.vpce.amazonaws.com', 'secretsmanager.eusc-de-east-1.amazonaws.eu']) {
      assert.equal(isAwsHost(host, 'secretsmanager'), true, host);
      assert.equal(isAwsHost(host, 'kms'), false, `${host} is not KMS`);
    }
    for (const host of ['kms.us-east-1.amazonaws.com', 'kms-fips.us-gov-west-1.amazonaws.com', 'KMS.CN-NORTH-1.AMAZONAWS.COM.CN', 'kms.us-east-1.api.aws', 'kms.ap-southeast-2.amazonaws.com']) assert.equal(isAwsHost(host, 'kms'), true, host);
    for (const host of [
      'abc123.execute-api.us-east-1.amazonaws.com',
      'my-lb-123.us-east-1.elb.amazonaws.com',
      'evil-bucket.s3.amazonaws.com',
      'secretsmanager.evil-bucket.s3.amazonaws.com',
      'secretsmanager.us-east-1.amazonaws.com.evil.example',
      'x.secretsmanager.us-east-1.amazonaws.com',
      'vpce-1.vpce-svc-0123.us-east-1.vpce.amazonaws.com',
      'secretsmanager.amazonaws.com',
      'evilamazonaws.com',
      'secrets.minio.example',
      'kms.us-east-1.api.aws.evil',
      '127.0.0.1',
      'localhost',
    ]) {
      assert.equal(isAwsHost(host, 'secretsmanager'), false, host);
      assert.equal(isAwsHost(host, 'kms'), false, host);
    }
  });

  it('--endpoint-url taken out of the arguments, in either form, once', () => {
    assert.deepEqual(takeEndpointUrl(['show', '--endpoint-url=https://a.example', '--secret-id', 'x']), { endpointUrl: 'https://a.example', rest: ['show', '--secret-id', 'x'] });
    assert.deepEqual(takeEndpointUrl(['show', '--endpoint-url', 'http://127.0.0.1:9']), { endpointUrl: 'http://127.0.0.1:9', rest: ['show'] });
    assert.deepEqual(takeEndpointUrl(['show']), { endpointUrl: undefined, rest: ['show'] });
    assert.throws(() => takeEndpointUrl(['--endpoint-url', 'https://a.example', '--endpoint-url=https://b.example']), /give --endpoint-url once/);
    assert.throws(() => takeEndpointUrl(['--endpoint-url=']), /--endpoint-url takes a URL/);
    assert.throws(() => takeEndpointUrl(['--endpoint-url', 'http://10.0.0.1']), /--endpoint-url must be https: \(http: only on loopback\), not http:\/\/10\.0\.0\.1/);
    assert.throws(() => takeEndpointUrl(['--endpoint-url', 'https://a.example/?q=1']), /must not carry credentials, a query or a fragment/);
  });
});
