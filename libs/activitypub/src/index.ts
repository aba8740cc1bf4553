export type {
  IncomingRequest,
  KeyLookup,
  OutgoingRequest,
  PublicKeyRecord,
  SignatureScheme,
  SigningKey,
  VerifyResult,
} from './signatures/types';
export {
  checkContentDigest,
  checkDigest,
  makeContentDigest,
  makeDigest,
  type DigestCheck,
} from './signatures/digest';
export { signCavage } from './signatures/cavage';
export { signRfc9421 } from './signatures/rfc9421';
export { verifySignedRequest } from './signatures/verify-request';
