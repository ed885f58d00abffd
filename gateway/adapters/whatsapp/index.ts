// The WhatsApp Business Cloud API as a platform adapter: Meta's signed, batched notifications and
// subscription handshake in, the messages endpoint out, the two-step media download, the approved
// templates. Wiring only.
import type { Adapter } from '../../adapter.js';
import { WHATSAPP_SECRET_KEYS, whatsappConfig } from './config.js';
import { parseWhatsapp, verifyWhatsapp, whatsappHandshake } from './inbound.js';
import { fetchWhatsappMedia } from './media.js';
import { sendWhatsapp } from './outbound.js';
import { listWhatsappTemplates } from './templates.js';

export const whatsappAdapter: Adapter = {
  platform: 'whatsapp',
  configSchema: whatsappConfig,
  secretKeys: WHATSAPP_SECRET_KEYS,
  webhook: { handshake: whatsappHandshake, verify: verifyWhatsapp, parse: parseWhatsapp },
  send: sendWhatsapp,
  fetchMedia: fetchWhatsappMedia,
  listTemplates: listWhatsappTemplates,
};
