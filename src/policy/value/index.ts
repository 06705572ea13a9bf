/** Public surface of the Rego value model. See ./types.ts for the representation. */
export * from './types.js';
export { parseJson, fromJs, toJs, stringifyJson, writeJson, formatNumber } from './json.js';
export { decodeGoString, validSeqLen, endsWithRawByte, goStringBytes, goByteLength, hasRawBytes, joinGoStrings, replaceRawBytes } from './go-bytes.js';
export { formatValue, quoteGoString } from './format.js';
export { parseGoYaml, resolveGoYamlScalar, goYamlTags, GO_YAML_OPTIONS } from './go-yaml.js';
export { numberFromText, rnumberToNative, decimalOf, parseDec, compareDec, isIntegralDec, decToBigInt, exceedsExponentLimit, isNumberText, type Dec } from './number-text.js';
