/**
 * The `hearth` CLI: `start`, `config validate`, `models …`. Each command lives in its own file;
 * this one only declares them.
 */
import { Command } from 'commander';

// Each command's module is imported when that command runs, so `hearth start` never loads the
// PostgreSQL, MongoDB or Redis drivers that `migrate-store` or the scaled roles need.

const program = new Command('hearth')
  .description('Hearth: a self-hosted AI assistant — web chat, chat apps, voice and canvas, on the model you choose.')
  .version(process.env.npm_package_version ?? '0.1.0')
  .showHelpAfterError();

program
  .command('start')
  .description('run everything in one process: gateway, engine, channels, web chat')
  .option('-c, --config <file>', 'config file (default: $HEARTH_CONFIG or ./hearth.yml)')
  .action((opts: { config?: string }) => import('./start.js').then((m) => m.startCommand(opts)));

program
  .command('doctor')
  .description('check the installation: config, data folder, history database, model servers, channels')
  .option('-c, --config <file>', 'config file')
  .action((opts: { config?: string }) => import('./doctor.js').then((m) => m.doctorCommand(opts)));

const config = program.command('config').description('work with the configuration');
config
  .command('validate')
  .description('check hearth.yml and channels.yml; problems go to stderr with file, key and reason')
  .option('-c, --config <file>', 'config file (default: $HEARTH_CONFIG or ./hearth.yml)')
  .action((opts: { config?: string }) => import('./config-validate.js').then((m) => m.configValidateCommand(opts)));

const models = program.command('models').description('list and download models');
models
  .command('list')
  .description('show the configured models and the default')
  .option('-c, --config <file>', 'config file')
  .action((opts: { config?: string }) => import('./models.js').then((m) => m.modelsListCommand(opts)));
models
  .command('pull [name]')
  .description('download a small local GGUF model into the data folder (resumable, checksum-verified)')
  .option('-c, --config <file>', 'config file')
  .action((name: string | undefined, opts: { config?: string }) =>
    import('./models.js').then((m) => m.modelsPullCommand(name, opts)),
  );

const keys = program.command('keys').description('encryption keys of stored secrets');
keys
  .command('rotate')
  .description('add a new data key, re-encrypt every stored secret under it and retire unused keys (no downtime)')
  .option('-c, --config <file>', 'config file')
  .action((opts: { config?: string }) => import('./security.js').then((m) => m.keysRotateCommand(opts)));

const secrets = program
  .command('secrets')
  .description('values config files refer to as ${secret:NAME}, stored encrypted in the data folder');
secrets
  .command('set <name>')
  .description('store a secret, read from stdin (hidden on a terminal)')
  .option('-c, --config <file>', 'config file')
  .action((name: string, opts: { config?: string }) =>
    import('./secrets.js').then((m) => m.secretsSetCommand(name, opts)),
  );
secrets
  .command('list')
  .description('print the names of the stored secrets (never their values)')
  .option('-c, --config <file>', 'config file')
  .action((opts: { config?: string }) => import('./secrets.js').then((m) => m.secretsListCommand(opts)));
secrets
  .command('delete <name>')
  .description('remove a stored secret')
  .option('-c, --config <file>', 'config file')
  .action((name: string, opts: { config?: string }) =>
    import('./secrets.js').then((m) => m.secretsDeleteCommand(name, opts)),
  );

const audit = program.command('audit').description('the tamper-evident audit log of administrative actions');
audit
  .command('verify')
  .description('check the hash chain; exit 1 and name the row when one was edited or deleted')
  .option('-c, --config <file>', 'config file')
  .action((opts: { config?: string }) => import('./security.js').then((m) => m.auditVerifyCommand(opts)));
audit
  .command('export')
  .description('print the audit log as JSON lines')
  .option('-c, --config <file>', 'config file')
  .option('--since <date>', 'only entries at or after this ISO date')
  .action((opts: { config?: string; since?: string }) =>
    import('./security.js').then((m) => m.auditExportCommand(opts)),
  );

const admin = program.command('admin').description('the local admin account');
admin
  .command('hash-password')
  .description('read a password from stdin (hidden on a terminal) and print its hash for security.admin.passwordHash')
  .action(() => import('./admin.js').then((m) => m.hashPasswordCommand()));

// <knowledge commands>
const knowledge = program
  .command('knowledge')
  .description('the knowledge base: collections of documents agents answer from');
knowledge
  .command('add <collection> <files...>')
  .description('add files (or http(s) URLs of allowed hosts) to a collection and index them, showing progress')
  .option('-c, --config <file>', 'config file')
  .action((collection: string, files: string[], opts: { config?: string }) =>
    import('./knowledge.js').then((m) => m.knowledgeAddCommand(collection, files, opts)),
  );
knowledge
  .command('list [collection]')
  .description('list collections, or the documents of one with their status')
  .option('-c, --config <file>', 'config file')
  .action((collection: string | undefined, opts: { config?: string }) =>
    import('./knowledge.js').then((m) => m.knowledgeListCommand(collection, opts)),
  );
knowledge
  .command('search <collection> <query>')
  .description('the best passages for a question')
  .option('-k <n>', 'how many (default 5, at most 50)')
  .option('-c, --config <file>', 'config file')
  .action((collection: string, query: string, opts: { config?: string; k?: string }) =>
    import('./knowledge.js').then((m) => m.knowledgeSearchCommand(collection, query, opts)),
  );
knowledge
  .command('remove <collection> [id]')
  .description('remove a document (every chunk and vector), or --all of the collection')
  .option('--all', 'remove the whole collection')
  .option('-c, --config <file>', 'config file')
  .action((collection: string, id: string | undefined, opts: { config?: string; all?: boolean }) =>
    import('./knowledge.js').then((m) => m.knowledgeRemoveCommand(collection, id, opts)),
  );
// </knowledge commands>

// <backup commands>
const backup = program
  .command('backup')
  .description(
    'write one archive of everything stored (history, keys, audit log, skills, knowledge base, canvas, config), online',
  )
  .option('--out <path>', 'archive file, or a folder for a time-named archive (default: backup.dir)')
  .option('-c, --config <file>', 'config file')
  .action((opts: { out?: string; config?: string }) => import('./backup.js').then((m) => m.backupCommand(opts)));
backup
  .command('verify <path>')
  .description('check every member of an archive against the checksums in its manifest')
  .option('-c, --config <file>', 'config file')
  .action((path: string, opts: { config?: string }) =>
    import('./backup.js').then((m) => m.backupVerifyCommand(path, opts)),
  );
program
  .command('restore <path>')
  .description('restore an archive into an empty data folder (refuses a non-empty one and changes nothing)')
  .option('--data-dir <dir>', 'data folder to restore into (default: dataDir of the config)')
  .option('--history-url <url>', 'PostgreSQL to restore PostgreSQL history into (default: storage.history.url)')
  .option('-c, --config <file>', 'config file')
  .action((path: string, opts: { dataDir?: string; historyUrl?: string; config?: string }) =>
    import('./backup.js').then((m) => m.restoreCommand(path, opts)),
  );
// </backup commands>

// <scale-out commands: roles on a shared bus, migrations, per-user history>
program
  .command('gateway')
  .description('run the gateway role only (HTTP, channels, web chat) on a shared bus; any number of replicas')
  .option('-c, --config <file>', 'config file')
  .action((opts: { config?: string }) => import('./start.js').then((m) => m.runRoles(['gateway'], opts)));
program
  .command('engine')
  .description('run the engine role only (model calls) on a shared bus; any number of replicas')
  .option('-c, --config <file>', 'config file')
  .action((opts: { config?: string }) => import('./start.js').then((m) => m.runRoles(['engine'], opts)));
program
  .command('migrate')
  .description("bring the history database to this release's schema (start does it automatically)")
  .option('-c, --config <file>', 'config file')
  .action((opts: { config?: string }) => import('./migrate.js').then((m) => m.migrateCommand(opts)));
program
  .command('migrate-store')
  .description('copy history from the SQLite file into PostgreSQL or MongoDB (safe to rerun)')
  .option('--from <file>', 'SQLite file (default: the configured one)')
  .option('--to <url>', 'postgres://… or mongodb://… (default: $HEARTH_HISTORY_URL)')
  .option('-c, --config <file>', 'config file')
  .action((opts: { from?: string; to?: string; config?: string }) =>
    import('./migrate-store.js').then((m) => m.migrateStoreCommand(opts)),
  );
const history = program.command('history').description('per-user export and deletion, on every history backend');
history
  .command('export')
  .description("write one user's conversations and messages as JSON")
  .requiredOption('--user <id>', 'user id')
  .option('--out <file>', 'write to this file instead of stdout')
  .option('-c, --config <file>', 'config file')
  .action((opts: { user: string; out?: string; config?: string }) =>
    import('./history.js').then((m) => m.historyExportCommand(opts)),
  );
history
  .command('delete')
  .description('delete everything stored about one user')
  .requiredOption('--user <id>', 'user id')
  .option('-c, --config <file>', 'config file')
  .action((opts: { user: string; config?: string }) =>
    import('./history.js').then((m) => m.historyDeleteCommand(opts)),
  );
// </scale-out commands>

await program.parseAsync(process.argv);
