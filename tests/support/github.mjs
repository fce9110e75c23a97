// GitHub's side of the secret scanning partner program, played by a test: P-256 key
// pairs made here, the key document the Worker reads from GITHUB_SECRET_SCANNING_KEYS
// (the same JSON GitHub serves at /meta/public_keys/secret_scanning), and reports signed
// the way GitHub signs them: ECDSA P-256 with SHA-256 over the raw body, DER, Base64.
//
//   const github = githubSecretScanning();
//   const app = await spawnApp({ vars: github.vars });
//   const body = reportBody([key.secret]);
//   await postReport(app.baseUrl, body, github.signReport(body));     // 200
//   await postReport(app.baseUrl, body, github.forgeReport(body));    // 4xx
//   await postReport(app.baseUrl, body, github.signWithUnknownKey(body)); // 4xx

import { createHash, generateKeyPairSync, sign } from 'node:crypto';

import { clientAddress, readResponse } from './client.mjs';

export const KEY_IDENTIFIER_HEADER = 'Github-Public-Key-Identifier';
export const SIGNATURE_HEADER = 'Github-Public-Key-Signature';
export const REPORT_PATH = '/api/secret-scanning/github';

/** A P-256 key pair, its SPKI PEM, and an identifier shaped like GitHub's (SHA-256 hex). */
function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    pem: publicKey.export({ type: 'spki', format: 'pem' }),
    keyIdentifier: createHash('sha256').update(spki).digest('hex'),
  };
}

function headers(keyIdentifier, privateKey, body) {
  return {
    [KEY_IDENTIFIER_HEADER]: keyIdentifier,
    // Without dsaEncoding, node:crypto signs in DER, as GitHub does.
    [SIGNATURE_HEADER]: sign('sha256', Buffer.from(body), privateKey).toString('base64'),
  };
}

/**
 * Fresh keys for one test file. The document publishes two: the current one and a
 * previous one (is_current false) that GitHub may still sign with; a third key, never
 * published, makes forgeries.
 */
export function githubSecretScanning() {
  const current = keyPair();
  const previous = keyPair();
  const stranger = keyPair();
  const keysDocument = JSON.stringify({
    public_keys: [
      { key_identifier: previous.keyIdentifier, key: previous.pem, is_current: false },
      { key_identifier: current.keyIdentifier, key: current.pem, is_current: true },
    ],
  });
  return {
    keyIdentifier: current.keyIdentifier,
    previousKeyIdentifier: previous.keyIdentifier,
    /** The JSON document, one line (the PEM newlines escaped), as a Worker variable takes it. */
    keysDocument,
    /** For spawnApp({ vars }). */
    vars: { GITHUB_SECRET_SCANNING_KEYS: keysDocument },

    /** The two headers of a genuine report of exactly `body` (a string or bytes). */
    signReport(body, { withPreviousKey = false } = {}) {
      const key = withPreviousKey ? previous : current;
      return headers(key.keyIdentifier, key.privateKey, body);
    },

    /** A forgery: names the current key, signed by a key that is not published. */
    forgeReport(body) {
      return headers(current.keyIdentifier, stranger.privateKey, body);
    },

    /** Correctly signed, by a key whose identifier is not in the document. */
    signWithUnknownKey(body) {
      return headers(stranger.keyIdentifier, stranger.privateKey, body);
    },
  };
}

/**
 * A report body as GitHub sends it: a JSON array, one item per token. The string that is
 * returned is what must be both signed and sent.
 */
export function reportBody(
  tokens,
  {
    type = 'hadron_api_key',
    url = 'https://github.com/octocat/Hello-World/blob/12345600b9cbe38a219f39a9941c9319b600c002/.env',
    source = 'content',
  } = {},
) {
  return JSON.stringify(tokens.map((token) => ({ token, type, url, source })));
}

/**
 * POSTs a report to the Worker; `headers` from signReport, forgeReport, … or none. Each
 * call comes from an address of its own unless `address` names one (the limit is per address).
 */
export async function postReport(baseUrl, body, headers = {}, { address = clientAddress() } = {}) {
  const response = await fetch(baseUrl + REPORT_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': address, ...headers },
    body,
  });
  return readResponse(response);
}
