/**
 * JSON schemas for the CloudNativePG resources Pulse uses (postgresql.cnpg.io/v1 Cluster, Pooler,
 * ScheduledBackup). No npm package ships CloudNativePG's CRDs, so these are written from its API reference
 * for the fields Pulse sets, and are strict: an unknown or misspelt field fails, as `kubectl apply
 * --validate=strict` would fail it against the real CRD.
 */
type Schema = Record<string, unknown>;

const str: Schema = { type: 'string', minLength: 1 };
const int = (minimum = 0): Schema => ({ type: 'integer', minimum });
const quantity: Schema = { anyOf: [{ type: 'string', pattern: '^[0-9.]+(m|Ki|Mi|Gi|Ti|k|M|G|T)?$' }, { type: 'integer' }] };
const strict = (properties: Record<string, Schema>, required: string[] = []): Schema => ({ type: 'object', additionalProperties: false, properties, required });
const localRef = strict({ name: str }, ['name']);
const secretKeyRef = strict({ name: str, key: str }, ['name', 'key']);
const stringMap: Schema = { type: 'object', additionalProperties: { type: 'string' } };
const resources = strict({
  requests: strict({ cpu: quantity, memory: quantity }),
  limits: strict({ cpu: quantity, memory: quantity }),
});

const metadata = strict(
  { name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 50 }, namespace: str, labels: stringMap, annotations: stringMap },
  ['name'],
);

const resource = (kind: string, spec: Schema): Schema =>
  strict({ apiVersion: { const: 'postgresql.cnpg.io/v1' }, kind: { const: kind }, metadata, spec }, ['apiVersion', 'kind', 'metadata', 'spec']);

const cluster = resource(
  'Cluster',
  strict(
    {
      instances: int(1),
      imageName: { type: 'string', pattern: '^[^:]+:[0-9][^:]*$' },
      primaryUpdateStrategy: { enum: ['unsupervised', 'supervised'] },
      bootstrap: strict({ initdb: strict({ database: str, owner: str, secret: localRef }) }),
      managed: strict({
        roles: {
          type: 'array',
          items: strict(
            {
              name: str,
              ensure: { enum: ['present', 'absent'] },
              login: { type: 'boolean' },
              createrole: { type: 'boolean' },
              createdb: { type: 'boolean' },
              superuser: { type: 'boolean' },
              inherit: { type: 'boolean' },
              replication: { type: 'boolean' },
              passwordSecret: localRef,
              inRoles: { type: 'array', items: str },
            },
            ['name'],
          ),
        },
      }),
      certificates: strict({ serverAltDNSNames: { type: 'array', items: str } }),
      postgresql: strict({ parameters: stringMap }),
      storage: strict({ size: quantity, storageClass: str }, ['size']),
      resources,
      affinity: strict({ enablePodAntiAffinity: { type: 'boolean' }, topologyKey: str, podAntiAffinityType: { enum: ['preferred', 'required'] } }),
      backup: strict({
        retentionPolicy: { type: 'string', pattern: '^[1-9][0-9]*[dwm]$' },
        barmanObjectStore: strict(
          {
            destinationPath: { type: 'string', pattern: '^(s3|gs|https?)://' },
            endpointURL: str,
            s3Credentials: strict({ accessKeyId: secretKeyRef, secretAccessKey: secretKeyRef, region: secretKeyRef }),
            wal: strict({ compression: { enum: ['gzip', 'bzip2', 'snappy'] }, maxParallel: int(1) }),
            data: strict({ compression: { enum: ['gzip', 'bzip2', 'snappy'] }, jobs: int(1) }),
          },
          ['destinationPath'],
        ),
      }),
    },
    ['instances', 'storage'],
  ),
);

const pooler = resource(
  'Pooler',
  strict(
    {
      cluster: localRef,
      instances: int(0),
      type: { enum: ['rw', 'ro', 'r'] },
      pgbouncer: strict({ poolMode: { enum: ['session', 'transaction'] }, parameters: stringMap }, ['poolMode']),
    },
    ['cluster', 'pgbouncer'],
  ),
);

const scheduledBackup = resource(
  'ScheduledBackup',
  strict(
    {
      // CloudNativePG's schedules have six fields, seconds first.
      schedule: { type: 'string', pattern: '^\\S+( \\S+){5}$' },
      backupOwnerReference: { enum: ['none', 'self', 'cluster'] },
      method: { enum: ['barmanObjectStore', 'volumeSnapshot', 'plugin'] },
      immediate: { type: 'boolean' },
      suspend: { type: 'boolean' },
      cluster: localRef,
    },
    ['schedule', 'cluster'],
  ),
);

export const CNPG_SCHEMAS: Record<string, Schema> = { Cluster: cluster, Pooler: pooler, ScheduledBackup: scheduledBackup };
