/**
 * AsyncAPI 3.0.0 description of the contract, from the CRM's point of view: it *receives* WMS
 * events on POST /wms/events and *sends* commands to the WMS on POST /crm/commands.
 *
 * Each event type is a message whose payload is the full event envelope (JSON Schema draft-07,
 * inlined under components.schemas so the document is self-contained). On the wire, events travel
 * inside a batch body; the batch itself is also described as a message, with the webhook headers,
 * and the batch response as the operation reply.
 */
import { BATCH_ENDPOINTS, MAX_EVENTS_PER_BATCH, SIGNATURE_TOLERANCE_SECONDS, WEBHOOK_HEADERS } from '../batch.js';
import type { JsonValue } from '../canonical-json.js';
import type { Direction, EventDefinition } from '../events/define.js';
import { keyTemplateFor } from '../events/define.js';
import { EVENT_DEFINITIONS } from '../events/index.js';
import { IDEMPOTENCY_KEY_PATTERN } from '../keys.js';
import { CONTRACT_VERSION } from '../version.js';
import { contractJsonSchemas, type JsonObject } from './json-schema.js';

const DRAFT_07 = 'application/schema+json;version=draft-07';

interface ChannelPlan {
  readonly direction: Direction;
  readonly channelId: string;
  readonly replyChannelId: string;
  readonly operationId: string;
  readonly action: 'send' | 'receive';
  readonly server: 'crm' | 'wms';
  readonly batchMessageId: string;
  readonly title: string;
}

const CHANNELS: readonly ChannelPlan[] = [
  {
    direction: 'wms_to_crm',
    channelId: 'wmsEvents',
    replyChannelId: 'wmsEventsResponse',
    operationId: 'receiveWmsEvents',
    action: 'receive',
    server: 'crm',
    batchMessageId: 'wmsEventBatch',
    title: 'WMS → CRM events',
  },
  {
    direction: 'crm_to_wms',
    channelId: 'crmCommands',
    replyChannelId: 'crmCommandsResponse',
    operationId: 'sendCrmCommands',
    action: 'send',
    server: 'wms',
    batchMessageId: 'crmCommandBatch',
    title: 'CRM → WMS commands',
  },
];

/** JSON Schema without its document-level keywords, for embedding under components.schemas. */
function embeddable(schema: JsonObject): JsonObject {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

function multiFormatRef(schemaName: string): JsonObject {
  return { schemaFormat: DRAFT_07, schema: { $ref: `#/components/schemas/${schemaName}` } };
}

function orderingText(definition: EventDefinition): string {
  return definition.ordering.kind === 'sequenced'
    ? `sequenced per ${definition.ordering.scope}`
    : `unordered (${definition.ordering.rationale})`;
}

function eventMessage(definition: EventDefinition, example: JsonValue | undefined): JsonObject {
  return {
    name: definition.type,
    title: definition.type,
    summary: definition.summary,
    description: definition.description,
    contentType: 'application/json',
    payload: multiFormatRef(definition.type),
    ...(example === undefined ? {} : { examples: [{ name: definition.type, payload: example }] }),
    'x-idempotency-key': keyTemplateFor(definition),
    'x-ordering': orderingText(definition),
    'x-state': definition.state,
    'x-stories': [...definition.stories],
  };
}

function batchHeaders(): JsonObject {
  return {
    type: 'object',
    required: [WEBHOOK_HEADERS.id, WEBHOOK_HEADERS.timestamp, WEBHOOK_HEADERS.signature],
    properties: {
      [WEBHOOK_HEADERS.id]: {
        type: 'string',
        pattern: IDEMPOTENCY_KEY_PATTERN.source,
        description: 'Batch key {source}:batch:{batch_id}:delivered:v1; deduplicates the delivery.',
      },
      [WEBHOOK_HEADERS.timestamp]: {
        type: 'string',
        pattern: '^[0-9]{1,12}$',
        description: `Unix seconds at signing; refused with STALE_TIMESTAMP beyond ±${SIGNATURE_TOLERANCE_SECONDS} s.`,
      },
      [WEBHOOK_HEADERS.signature]: {
        type: 'string',
        description: 'Space-separated "v1,{base64 HMAC-SHA256(secret, "{webhook-id}.{webhook-timestamp}.{body}")}" entries.',
      },
    },
  };
}

export function renderAsyncApi(examples: ReadonlyMap<string, JsonValue>): JsonObject {
  const schemas: JsonObject = {};
  for (const named of contractJsonSchemas()) schemas[named.name] = embeddable(named.schema);

  const messages: JsonObject = {};
  const channels: JsonObject = {};
  const operations: JsonObject = {};

  for (const plan of CHANNELS) {
    const definitions = EVENT_DEFINITIONS.filter((definition) => definition.direction === plan.direction);
    const endpoint = BATCH_ENDPOINTS[plan.direction];
    const channelMessages: JsonObject = {};

    messages[plan.batchMessageId] = {
      name: plan.batchMessageId,
      title: `${plan.title} batch`,
      summary: `HTTP ${endpoint.method} ${endpoint.path} body: 1-${MAX_EVENTS_PER_BATCH} event envelopes.`,
      contentType: 'application/json',
      headers: { schemaFormat: DRAFT_07, schema: batchHeaders() },
      payload: multiFormatRef('batch-request'),
    };
    channelMessages[plan.batchMessageId] = { $ref: `#/components/messages/${plan.batchMessageId}` };

    for (const definition of definitions) {
      messages[definition.type] = eventMessage(definition, examples.get(definition.type));
      channelMessages[definition.type] = { $ref: `#/components/messages/${definition.type}` };
    }

    channels[plan.channelId] = {
      address: endpoint.path,
      title: plan.title,
      description:
        `${endpoint.method} ${endpoint.path}. Events are delivered inside a batch body (message ${plan.batchMessageId}); ` +
        'each event is validated and deduplicated on its own key.',
      servers: [{ $ref: `#/servers/${plan.server}` }],
      messages: channelMessages,
    };
    channels[plan.replyChannelId] = {
      address: null,
      title: `${plan.title}: HTTP response`,
      description: 'The synchronous HTTP response to a batch: 200 with per-event results, or an error body.',
      messages: {
        batchResponse: { $ref: '#/components/messages/batchResponse' },
        errorResponse: { $ref: '#/components/messages/errorResponse' },
      },
    };
    operations[plan.operationId] = {
      action: plan.action,
      title: plan.title,
      summary: `${plan.action === 'receive' ? 'The CRM receives' : 'The CRM sends'} ${plan.title} over ${endpoint.method} ${endpoint.path}.`,
      channel: { $ref: `#/channels/${plan.channelId}` },
      messages: Object.keys(channelMessages).map((id) => ({ $ref: `#/channels/${plan.channelId}/messages/${id}` })),
      bindings: { http: { method: endpoint.method, bindingVersion: '0.3.0' } },
      reply: {
        channel: { $ref: `#/channels/${plan.replyChannelId}` },
        messages: [
          { $ref: `#/channels/${plan.replyChannelId}/messages/batchResponse` },
          { $ref: `#/channels/${plan.replyChannelId}/messages/errorResponse` },
        ],
      },
    };
  }

  messages['batchResponse'] = {
    name: 'batchResponse',
    title: 'Batch response',
    summary: 'HTTP 200: one result per event (applied, duplicate, stale, rejected), in request order.',
    contentType: 'application/json',
    payload: multiFormatRef('batch-response'),
  };
  messages['errorResponse'] = {
    name: 'errorResponse',
    title: 'Error response',
    summary: 'Non-2xx: the request was refused as a whole; nothing was applied.',
    contentType: 'application/json',
    payload: multiFormatRef('error-response'),
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'CRM ↔ WMS integration contract',
      version: CONTRACT_VERSION,
      description:
        'Events and commands between the CRM (MOD/JTR textile wholesale) and the warehouse system (WMS). ' +
        'Generated from contract/src by contract/generate.ts; see catalogue.md for rules and decisions.',
    },
    defaultContentType: 'application/json',
    servers: {
      crm: {
        host: 'crm.example.invalid',
        protocol: 'https',
        description: 'The CRM; receives WMS events on /wms/events. Host is deployment-specific.',
      },
      wms: {
        host: 'wms.example.invalid',
        protocol: 'https',
        description: 'The WMS; receives CRM commands on /crm/commands. Host is deployment-specific.',
      },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
}
