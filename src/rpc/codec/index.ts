// The XML-RPC codec's public surface: strict decoding and fast encoding of the dialect in wire-api.md.
export { decodeMethodCall, decodeMethodResponse } from './decode.js';
export {
  encodeMethodCall,
  encodeResponse,
  encodeFault,
  encodeValueXml,
  escapeXml,
  xmlSafeText,
  dateToIso8601,
} from './encode.js';
export { DEFAULT_MAX_DEPTH } from './types.js';
export type { DecodeOptions, Fault, MethodCall, MethodResponse, XmlRpcValue } from './types.js';
