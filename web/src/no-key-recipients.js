// Stands in for the curves age-encryption uses for key recipients (X25519, P-256, ML-KEM hybrids).
// The worksheet page only ever opens and seals with a passphrase (scrypt); see build.mjs.
const refuse = new Proxy(
  {},
  {
    get() {
      throw new Error("this page opens passphrase-sealed worksheets only");
    },
  },
);
export const MLKEM768P256 = refuse;
export const MLKEM768X25519 = refuse;
export const p256 = refuse;
export const x25519 = refuse;
