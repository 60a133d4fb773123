// Opening and sealing worksheet files: age, passphrase (scrypt), work factor 16 —
// the same as Tandem writes. Nothing here touches storage or the network.
import { Decrypter, Encrypter } from "age-encryption";

export const WORK_FACTOR = 16;

/** Thrown when the passphrase does not open the file (as opposed to a damaged file). */
export class WrongPassphrase extends Error {}

export async function open(sealed: Uint8Array, passphrase: string): Promise<string> {
  const d = new Decrypter();
  d.addPassphrase(passphrase);
  try {
    return await d.decrypt(sealed, "text");
  } catch (e) {
    // age-encryption says this when no passphrase matched the file's scrypt stanza.
    if (e instanceof Error && /no identity matched/.test(e.message)) throw new WrongPassphrase();
    throw e;
  }
}

export async function seal(plaintext: string, passphrase: string): Promise<Uint8Array> {
  const e = new Encrypter();
  e.setPassphrase(passphrase);
  e.setScryptWorkFactor(WORK_FACTOR);
  return await e.encrypt(plaintext);
}

/** Standard base64 (as Tandem embeds the sealed file) to bytes; whitespace ignored. */
export function fromBase64(text: string): Uint8Array {
  const bin = atob(text.replace(/\s+/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
