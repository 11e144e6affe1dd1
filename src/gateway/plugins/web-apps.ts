/**
 * The browser apps built by Vite (`dist/web/`): their shared, content-hashed bundles under
 * `/assets/*`. Each app's page is served by its own plugin (canvas, console) through `WebApps`.
 */
import type { GatewayPlugin } from '../plugin.js';
import { builtWebApps } from '../web-apps.js';

export const webAppsPlugin: GatewayPlugin<unknown> = async (app) => {
  builtWebApps.registerAssets(app);
};
