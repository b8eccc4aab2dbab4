/**
 * Live variant effect (client ↔ server): the bases the user changed since the document was opened
 * (or since *TFBS: Reset reference*), each scored like a VCF variant against that reference.
 */
import { RequestType } from 'vscode-languageserver-protocol';
export const VariantEffectRequest = new RequestType('tfbs/variantEffect');
/** Sets the document's reference: its current text (every edit so far is accepted) or the given one. */
export const ResetReferenceRequest = new RequestType('tfbs/resetReference');
//# sourceMappingURL=variantEffectProtocol.js.map