/** Strict base64 (standard alphabet, padded): `Buffer.from(…, 'base64')` alone skips junk silently. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const isStrictBase64 = (text: string): boolean => BASE64.test(text);
