/**
 * Live canvas rooms: the drawing page `GET /canvas/<room>`, its Yjs WebSocket, exports and share
 * links, defined in src/canvas/routes.ts. Open on loopback like the web chat (`canvas.auth`).
 */
import { canvasRoutes } from '../../canvas/index.js';
import { onLoopback } from '../channels.js';
import type { GatewayDeps, GatewayPlugin } from '../plugin.js';
import { builtWebApps } from '../web-apps.js';

export const canvasPlugin: GatewayPlugin<Pick<GatewayDeps, 'canvas' | 'security' | 'config'>> = async (app, deps) => {
  const canvas = deps.canvas;
  if (!canvas) return;
  const routeDeps = canvas.routeDeps({
    auth: deps.security.authenticator,
    loopback: onLoopback(deps.config()),
    sendPage: (reply) => builtWebApps.sendPage(reply, 'canvas'),
  });
  await canvasRoutes(app, routeDeps);
};
