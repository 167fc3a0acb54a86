import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Env, validateEnv } from '../src/config/env.validation';
import { validateK8sObjects } from './support/k8s-schema';
import {
  K8sObject,
  readYamlDocuments,
  RenderedObject,
  renderKustomization,
} from './support/kustomize';

const ROOT = join(__dirname, '..');
const K8S_DIR = join(ROOT, 'deploy', 'k8s');
/** The two steps of a release, applied one after the other (docs/operations.md). */
const MIGRATE_DIR = join(K8S_DIR, 'migrate');
const APP_DIR = join(K8S_DIR, 'app');
const SECRET_EXAMPLE = join(K8S_DIR, 'secret.example.yaml');
/** main.ts exits on its own this long after SHUTDOWN_TIMEOUT_MS if closing hangs. */
const FORCED_EXIT_MARGIN_S = 1.5;

/** Configuration variables of the README's table; a deployment must be able to set each one. */
const DOCUMENTED_VARIABLES = [
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
  'OAUTH_CLIENT_AUTH',
  'OAUTH_RESOURCE',
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

/** Every YAML file under deploy/k8s, relative to the repository root. */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return yamlFiles(path);
    }
    return entry.name.endsWith('.yaml') ? [relative(ROOT, path)] : [];
  });
}

/** Real-looking secret values (never the example's placeholders). */
function generatedSecrets(): Record<string, string> {
  const random = (bytes: number) => randomBytes(bytes).toString('base64url');
  return {
    DB_PASSWORD: random(24),
    REDIS_URL: `redis://:${random(24)}@redis-master.data.svc.cluster.local:6379/0`,
    OAUTH_CLIENT_SECRET: random(32),
    WEBHOOK_SECRET: '',
    CURSOR_SIGNING_KEY: random(48),
  };
}

describe('Kubernetes manifests (deploy/k8s)', () => {
  const migrate = renderKustomization(ROOT, MIGRATE_DIR);
  const app = renderKustomization(ROOT, APP_DIR);
  const rendered = [...migrate, ...app];
  const [secret] = readYamlDocuments(SECRET_EXAMPLE);
  const one = (objects: RenderedObject[], kind: string): K8sObject => {
    const found = objects.filter((m) => m.object.kind === kind);
    expect(found).toHaveLength(1);
    return found[0].object;
  };
  const deployment = one(app, 'Deployment');
  const podSpec = deployment.spec.template.spec;
  const container = podSpec.containers[0];
  const configMap = one(app, 'ConfigMap');
  const job = one(migrate, 'Job');
  const environment: Record<string, string> = { ...configMap.data, ...generatedSecrets() };

  it('validates against the Kubernetes schemas, every object of both steps and the Secret', async () => {
    const objects = [...rendered.map((m) => m.object), secret];
    const problems = await validateK8sObjects(objects);
    expect(
      problems.flatMap((problem, i) =>
        problem ? [`${objects[i].kind as string} ${objects[i].metadata?.name}: ${problem}`] : [],
      ),
    ).toEqual([]);
    // The validator does reject what the API server would.
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    delete broken.spec.selector;
    const [rejected] = await validateK8sObjects([broken]);
    expect(rejected).toMatch(/containerPort|selector/);
  });

  it('splits a release: the migration Job first, the Deployment only in the second step', () => {
    const kinds = (objects: RenderedObject[]) => objects.map((m) => m.object.kind as string).sort();
    expect(kinds(migrate)).toEqual(['ConfigMap', 'Job']);
    expect(kinds(app)).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Service',
    ]);
    expect(one(migrate, 'ConfigMap')).toEqual(configMap);
    for (const { object } of rendered) {
      expect(object.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(object.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'farmlokal-api',
        'app.kubernetes.io/part-of': 'farmlokal',
      });
    }
  });

  it('applies every manifest in one of the steps, and never the example Secret', () => {
    const used = new Set(rendered.map((m) => m.file));
    const manifests = yamlFiles(K8S_DIR).filter((file) => !file.endsWith('kustomization.yaml'));
    expect(manifests.filter((file) => !used.has(file))).toEqual([relative(ROOT, SECRET_EXAMPLE)]);
    expect(rendered.filter((m) => m.object.kind === 'Secret')).toEqual([]);
  });

  it('runs the same image in the Job and the Deployment, set by each step', () => {
    expect(container.image).toMatch(/^[^:]+\/farmlokal-api:[\w.-]+$/);
    expect(job.spec.template.spec.containers[0].image).toBe(container.image);
  });

  it('leaves the replica count to the HorizontalPodAutoscaler', () => {
    expect(deployment.spec).not.toHaveProperty('replicas');
    expect(one(app, 'HorizontalPodAutoscaler').spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('ships the Secret as an example of placeholders, named as the pods expect it', () => {
    expect(Object.keys(secret.stringData).sort()).toEqual([...SECRET_VARIABLES].sort());
    for (const [name, value] of Object.entries(secret.stringData as Record<string, string>)) {
      expect({ name, placeholder: value === '' || value.includes('replace-me') }).toEqual({
        name,
        placeholder: true,
      });
    }
    const secretRef = { secretRef: { name: secret.metadata.name } };
    expect(container.envFrom).toContainEqual(secretRef);
    expect(job.spec.template.spec.containers[0].envFrom).toContainEqual(secretRef);
  });

  it('serves HTTP on container port 3000, matching PORT and the Service', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(environment.PORT).toBe('3000');
    expect(environment.HOST).toBe('0.0.0.0');
    const service = one(app, 'Service');
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
    const hpa = one(app, 'HorizontalPodAutoscaler');
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
    const pdb = one(app, 'PodDisruptionBudget');
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
  });

  it('takes its environment from the ConfigMap and the Secret, all valid variables', () => {
    const known = Object.keys(new Env());
    expect(Object.keys(environment).filter((name) => !known.includes(name))).toEqual([]);
    expect(DOCUMENTED_VARIABLES.filter((name) => !(name in environment))).toEqual([]);
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
    // The example Secret's placeholders must never run: production refuses them by name.
    expect(() => validateEnv({ ...configMap.data, ...secret.stringData })).toThrow(
      /CURSOR_SIGNING_KEY[\s\S]*OAUTH_CLIENT_SECRET/,
    );
    expect(() => validateEnv(environment)).not.toThrow();
    expect(validateEnv(environment).NODE_ENV).toBe('production');
    expect(environment.DB_MIGRATE_ON_START).toBe('false');
  });

  it('migrates with a Job running the built migration CLI', () => {
    const target = job.spec.template.spec.containers[0];
    expect(target.command).toEqual(['node', 'dist/src/cli/migrate.js']);
    expect(existsSync(join(ROOT, 'src', 'cli', 'migrate.ts'))).toBe(true);
    expect(container.command).toEqual([
      'node',
      '--max-old-space-size=192',
      '--max-semi-space-size=16',
      'dist/src/main.js',
    ]);
    expect(existsSync(join(ROOT, 'src', 'main.ts'))).toBe(true);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBeGreaterThanOrEqual(1);
  });
});
