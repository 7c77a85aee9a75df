import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';
import grafanaConfig from './.config/webpack/webpack.config.ts';

/**
 * create-plugin's configuration (never edited), plus what it does not copy: the nested
 * panel's logo, which its plugin.json names beside it (img/logo.svg under the panel's folder)
 * and which the visualization picker shows. The panel uses the app's logo.
 */
const config = async (env: Parameters<typeof grafanaConfig>[0]): Promise<Configuration> =>
  merge(await grafanaConfig(env), {
    plugins: [
      new CopyWebpackPlugin({
        patterns: [{ from: 'img/logo.svg', to: 'panels/sprint-health/img/logo.svg' }],
      }),
    ],
  });

export default config;
