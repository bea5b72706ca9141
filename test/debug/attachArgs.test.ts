// The attach configuration's attributes: checked, defaults applied, every
// mistake a UserError naming the attribute (and for a missing token, where
// to find it); package.json declares the same attributes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveAttachArguments } from '../../src/debug/attachArgs';
import { isUserError } from '../../src/shared/errors';

function problem(args: unknown): string {
  try {
    resolveAttachArguments(args);
  } catch (e) {
    assert.ok(isUserError(e), `expected a UserError, got ${String(e)}`);
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(args)} to be refused`);
}

describe('debug adapter: attach arguments', () => {
  it('defaults the address to 127.0.0.1 and takes a port given as text (an input variable)', () => {
    assert.deepEqual(resolveAttachArguments({ port: 4711, token: 'abc' }), { address: '127.0.0.1', port: 4711, token: 'abc' });
    assert.deepEqual(resolveAttachArguments({ address: ' gpu-box ', port: '9000', token: ' t ' }), { address: 'gpu-box', port: 9000, token: 't' });
  });

  it('names the attribute of every mistake', () => {
    assert.match(problem({ token: 't' }), /^error: port: the port of the run to attach to is missing; `neural-debugger train MODEL --listen PORT` printed it/);
    assert.match(problem({ port: 0, token: 't' }), /^error: port: expected a TCP port from 1 to 65535, got 0 \(attach configuration\)$/);
    assert.match(problem({ port: 70000, token: 't' }), /port: expected a TCP port from 1 to 65535, got 70000/);
    assert.match(problem({ port: '47a1', token: 't' }), /port: expected a TCP port from 1 to 65535, got "47a1"/);
    assert.match(problem({ port: 4711 }), /^error: token: the run's token is missing; `neural-debugger train MODEL --listen PORT` printed it/);
    assert.match(problem({ port: 4711, token: '' }), /token: the run's token is missing/);
    assert.match(problem({ port: 4711, token: 42 }), /token: expected the token as a string, got 42/);
    assert.match(problem({ address: '', port: 4711, token: 't' }), /address: expected a host name or IP address/);
    assert.match(problem({ address: 5, port: 4711, token: 't' }), /address: expected a host name or IP address .*got 5/);
  });

  it('package.json declares the attach attributes, port and token required', () => {
    const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8'));
    const attach = manifest.contributes.debuggers[0].configurationAttributes.attach;
    assert.deepEqual(Object.keys(attach.properties), ['address', 'port', 'token']);
    assert.deepEqual(attach.required, ['port', 'token']);
    const snippet = manifest.contributes.debuggers[0].configurationSnippets.find((s: { body: { request: string } }) => s.body.request === 'attach');
    assert.ok(snippet, 'an attach snippet');
    assert.deepEqual(Object.keys(snippet.body), ['type', 'request', 'name', 'address', 'port', 'token']);
  });
});
