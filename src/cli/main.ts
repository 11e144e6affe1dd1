/**
 * The `hearth` CLI: `start`, `config validate`, `models …`. Each command lives in its own file;
 * this one only declares them.
 */
import { Command } from 'commander';
import { configValidateCommand } from './config-validate.js';
import { modelsListCommand, modelsPullCommand } from './models.js';
import { startCommand } from './start.js';

const program = new Command('hearth')
  .description('Hearth: a self-hosted AI assistant — web chat, chat apps, voice and canvas, on the model you choose.')
  .version(process.env.npm_package_version ?? '0.1.0')
  .showHelpAfterError();

program
  .command('start')
  .description('run everything in one process: gateway, engine, channels, web chat')
  .option('-c, --config <file>', 'config file (default: $HEARTH_CONFIG or ./hearth.yml)')
  .action((opts: { config?: string }) => startCommand(opts));

const config = program.command('config').description('work with the configuration');
config
  .command('validate')
  .description('check hearth.yml and channels.yml; problems go to stderr with file, key and reason')
  .option('-c, --config <file>', 'config file (default: $HEARTH_CONFIG or ./hearth.yml)')
  .action((opts: { config?: string }) => configValidateCommand(opts));

const models = program.command('models').description('list and download models');
models
  .command('list')
  .description('show the configured models and the default')
  .option('-c, --config <file>', 'config file')
  .action((opts: { config?: string }) => modelsListCommand(opts));
models
  .command('pull [name]')
  .description('download a small local GGUF model into the data folder (resumable, checksum-verified)')
  .option('-c, --config <file>', 'config file')
  .action((name: string | undefined, opts: { config?: string }) => modelsPullCommand(name, opts));

await program.parseAsync(process.argv);
