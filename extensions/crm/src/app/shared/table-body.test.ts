import { describe, expect, it } from 'vitest';
import { createSSRApp, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { TableBody } from './table-body.js';

const render = (props: Record<string, unknown>) =>
  renderToString(
    createSSRApp({ render: () => h('table', [h(TableBody, props, () => [h('tr', { class: 'main' }), h('tr', { class: 'detail' })])]) }),
  );

describe('TableBody', () => {
  it('wraps the rows in a <tbody> with its attributes', async () => {
    expect(await render({ 'data-testid': 'message-1', 'data-status': 'dead' })).toBe(
      '<table><tbody data-testid="message-1" data-status="dead"><tr class="main"></tr><tr class="detail"></tr></tbody></table>',
    );
    expect(await render({})).toBe('<table><tbody><tr class="main"></tr><tr class="detail"></tr></tbody></table>');
  });

  it('leaves them bare when they bring their own', async () => {
    expect(await render({ bare: true })).toBe('<table><!--[--><tr class="main"></tr><tr class="detail"></tr><!--]--></table>');
  });
});
