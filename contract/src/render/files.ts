/**
 * Everything under contract/generated/, rendered in memory. Pure: the generator writes the result,
 * and the drift test compares it with the committed files.
 */
import type { JsonValue } from '../canonical-json.js';
import { renderAsyncApi } from './asyncapi.js';
import { renderCatalogue } from './catalogue.js';
import { contractJsonSchemas } from './json-schema.js';
import { toYaml } from './yaml.js';

/**
 * @param examples one valid example per event type (keyed by event type), embedded in the AsyncAPI
 *                 messages. The generator reads them from contract/examples/.
 * @returns file contents keyed by path relative to contract/generated/, in a stable order.
 */
export function renderGeneratedFiles(examples: ReadonlyMap<string, JsonValue>): Map<string, string> {
  const files = new Map<string, string>();
  for (const named of contractJsonSchemas()) {
    // Schema files keep the field order of the zod schema; only keywords are sorted (stabiliseSchema).
    files.set(`json-schema/${named.name}.schema.json`, `${JSON.stringify(named.schema, null, 2)}\n`);
  }
  files.set('asyncapi.yaml', toYaml(renderAsyncApi(examples)));
  files.set('catalogue.md', renderCatalogue());
  return new Map([...files.entries()].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0)));
}
