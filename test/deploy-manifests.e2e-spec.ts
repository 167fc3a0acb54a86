import 'reflect-metadata';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Env, validateEnv } from '../src/config/env.validation';

const ROOT = join(__dirname, '..');
const K8S_DIR = join(ROOT, 'deploy', 'k8s');
/** main.ts exits on its own this long after SHUTDOWN_TIMEOUT_MS if closing hangs. */
const FORCED_EXIT_MARGIN_S = 1.5;

/** The variables CONTRACT.md fixes; a deployment must be able to set each one. */
const CONTRACT_VARIABLES = [
  'PORT',
  'HOST',
  'DB_HOST',
  'DB_PORT',
  'DB_USER',
  'DB_PASSWORD',
  'DB_NAME',
  'DB_TYPE',
  'DB_POOL_SIZE',
  'DB_MIGRATE_ON_START',
  'REDIS_URL',
  'REDIS_KEY_PREFIX',
  'OAUTH_TOKEN_URL',
  'OAUTH_CLIENT_ID',
  'OAUTH_CLIENT_SECRET',
  'OAUTH_AUDIENCE',
  'OAUTH_SCOPE',
  'PARTNER_API_URL',
  'PUBLIC_BASE_URL',
  'WEBHOOK_SECRET',
  'AUTH_JWKS_URL',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'PRODUCTS_CACHE_TTL_S',
  'EXTERNAL_TIMEOUT_MS',
  'EXTERNAL_DEADLINE_MS',
  'EXTERNAL_MAX_ATTEMPTS',
  'BREAKER_WINDOW_MS',
  'BREAKER_MIN_CALLS',
  'BREAKER_FAILURE_RATIO',
  'BREAKER_OPEN_MS',
  'RATE_LIMIT_LIMIT',
  'RATE_LIMIT_WINDOW_S',
  'LOG_LEVEL',
  'NODE_ENV',
  'CURSOR_SIGNING_KEY',
];
const SECRET_VARIABLES = [
  'DB_PASSWORD',
  'REDIS_URL',
  'OAUTH_CLIENT_SECRET',
  'WEBHOOK_SECRET',
  'CURSOR_SIGNING_KEY',
];

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes objects are untyped YAML */
type K8sObject = Record<string, any>;

interface Manifest {
  readonly file: string;
  readonly object: K8sObject;
}

function loadManifests(): Manifest[] {
  return readdirSync(K8S_DIR)
    .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8')).map((doc) => {
        if (doc.errors.length > 0) {
          throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
        }
        return { file, object: doc.toJS() as K8sObject };
      }),
    );
}

describe('Kubernetes manifests (deploy/k8s)', () => {
  const manifests = loadManifests();
  const one = (kind: string, component?: string): K8sObject => {
    const found = manifests.filter(
      (m) =>
        m.object.kind === kind &&
        (!component ||
          m.object.spec?.template?.metadata?.labels?.['app.kubernetes.io/component'] === component),
    );
    expect(found).toHaveLength(1);
    return found[0].object;
  };
  const deployment = one('Deployment');
  const podSpec = deployment.spec.template.spec;
  const container = podSpec.containers[0];
  const configMap = one('ConfigMap');
  const secret = one('Secret');
  const job = one('Job');
  const environment: Record<string, string> = { ...configMap.data, ...secret.stringData };

  it('parses as Kubernetes objects, each listed in the kustomization', () => {
    for (const { file, object } of manifests) {
      expect({ file, apiVersion: typeof object.apiVersion, kind: typeof object.kind }).toEqual({
        file,
        apiVersion: 'string',
        kind: 'string',
      });
      expect(object.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    const kustomization = parseAllDocuments(
      readFileSync(join(K8S_DIR, 'kustomization.yaml'), 'utf8'),
    )[0].toJS() as K8sObject;
    expect([...kustomization.resources].sort()).toEqual(
      [...new Set(manifests.map((m) => m.file))].sort(),
    );
    expect((kustomization.images as K8sObject[]).map((i) => i.name as string)).toEqual([
      container.image,
    ]);
    expect(job.spec.template.spec.containers[0].image).toBe(container.image);
  });

  it('serves HTTP on container port 3000, matching PORT and the Service', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(environment.PORT).toBe('3000');
    expect(environment.HOST).toBe('0.0.0.0');
    const service = one('Service');
    expect((service.spec.ports as K8sObject[]).map((p) => p.targetPort as string)).toEqual([
      'http',
    ]);
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
  });

  it('probes liveness and start-up on /health/live and readiness on /health/ready', () => {
    const probe = (name: string): { path: string; port: unknown } =>
      container[name].httpGet as { path: string; port: unknown };
    expect(probe('startupProbe')).toEqual({ path: '/health/live', port: 'http' });
    expect(probe('livenessProbe')).toEqual({ path: '/health/live', port: 'http' });
    expect(probe('readinessProbe')).toEqual({ path: '/health/ready', port: 'http' });
    expect(container.livenessProbe.failureThreshold).toBeGreaterThan(
      container.readinessProbe.failureThreshold,
    );
  });

  it('pauses before SIGTERM and leaves time for the drain before SIGKILL', () => {
    const command = container.lifecycle.preStop.exec.command as string[];
    expect(command[0]).toBe('sleep');
    const pauseS = Number(command[1]);
    expect(pauseS).toBeGreaterThan(0);
    const drainS = Number(environment.SHUTDOWN_TIMEOUT_MS) / 1000;
    expect(drainS).toBeGreaterThan(0);
    expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThan(
      pauseS + drainS + FORCED_EXIT_MARGIN_S,
    );
  });

  it('runs as non-root with resources set, in the Deployment and the Job', () => {
    for (const spec of [podSpec, job.spec.template.spec]) {
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      const target = spec.containers[0];
      expect(target.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      for (const kind of ['requests', 'limits']) {
        expect(target.resources[kind]).toEqual({
          cpu: expect.any(String),
          memory: expect.any(String),
        });
      }
    }
  });

  it('scales the Deployment on CPU with an HPA', () => {
    const hpa = one('HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ]);
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    const pdb = one('PodDisruptionBudget');
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
  });

  it('takes its environment from the ConfigMap and the Secret, all valid variables', () => {
    const known = Object.keys(new Env());
    expect(Object.keys(environment).filter((name) => !known.includes(name))).toEqual([]);
    expect(CONTRACT_VARIABLES.filter((name) => !(name in environment))).toEqual([]);
    expect(Object.keys(secret.stringData).sort()).toEqual([...SECRET_VARIABLES].sort());
    expect(Object.keys(configMap.data).filter((name) => SECRET_VARIABLES.includes(name))).toEqual(
      [],
    );
    const envFrom = [
      { configMapRef: { name: configMap.metadata.name } },
      { secretRef: { name: secret.metadata.name } },
    ];
    expect(container.envFrom).toEqual(envFrom);
    expect(job.spec.template.spec.containers[0].envFrom).toEqual(envFrom);
    // The Secret's placeholders must never run: production refuses them by name.
    expect(() => validateEnv(environment)).toThrow(/CURSOR_SIGNING_KEY[\s\S]*OAUTH_CLIENT_SECRET/);
    const withRealSecrets = {
      ...environment,
      CURSOR_SIGNING_KEY: 'k'.repeat(24) + '-production-cursor-key',
      OAUTH_CLIENT_SECRET: 'a-real-partner-client-secret',
    };
    expect(() => validateEnv(withRealSecrets)).not.toThrow();
    expect(validateEnv(withRealSecrets).NODE_ENV).toBe('production');
    expect(environment.DB_MIGRATE_ON_START).toBe('false');
  });

  it('migrates with a Job running the built migration CLI', () => {
    const target = job.spec.template.spec.containers[0];
    expect(target.command).toEqual(['node', 'dist/src/cli/migrate.js']);
    expect(existsSync(join(ROOT, 'src', 'cli', 'migrate.ts'))).toBe(true);
    expect(container.command).toEqual(['node', 'dist/src/main.js']);
    expect(existsSync(join(ROOT, 'src', 'main.ts'))).toBe(true);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBeGreaterThanOrEqual(1);
  });
});
