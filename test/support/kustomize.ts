import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * Renders a kustomization the way `kubectl apply -k` does for the features this project's
 * manifests use: `resources` (files, and directories holding another kustomization),
 * `labels` (added to every object's metadata) and `images` (container images renamed).
 * Anything else in a kustomization is an error, so a new feature cannot slip past the tests.
 */

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes objects are untyped YAML */
export type K8sObject = Record<string, any>;

export interface RenderedObject {
  /** The manifest file it came from, relative to the repository root. */
  readonly file: string;
  readonly object: K8sObject;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  labels?: { pairs: Record<string, string> }[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'labels', 'images']);

export function readYamlDocuments(path: string): K8sObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) {
      throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    return doc.toJS() as K8sObject;
  });
}

export function readKustomization(dir: string): Kustomization {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) {
    throw new Error(`${dir} holds no kustomization.yaml`);
  }
  const [kustomization] = readYamlDocuments(file) as Kustomization[];
  const unsupported = Object.keys(kustomization).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) {
    throw new Error(`${file}: unsupported fields ${unsupported.join(', ')}`);
  }
  return kustomization;
}

function containersOf(object: K8sObject): K8sObject[] {
  const pod = (object.spec?.template?.spec ?? object.spec?.jobTemplate?.spec?.template?.spec) as
    { initContainers?: K8sObject[]; containers?: K8sObject[] } | undefined;
  return pod ? [...(pod.initContainers ?? []), ...(pod.containers ?? [])] : [];
}

/** The objects `kubectl apply -k <dir>` would send, with their source files. */
export function renderKustomization(root: string, dir: string): RenderedObject[] {
  const kustomization = readKustomization(dir);
  const objects: RenderedObject[] = [];
  for (const entry of kustomization.resources ?? []) {
    const path = resolve(dir, entry);
    if (statSync(path).isDirectory()) {
      objects.push(...renderKustomization(root, path));
    } else {
      if (!path.startsWith(`${dir}/`)) {
        throw new Error(`${dir}: ${entry} is outside the kustomization's directory`);
      }
      const file = path.slice(root.length + 1);
      objects.push(...readYamlDocuments(path).map((object) => ({ file, object })));
    }
  }
  for (const { object } of objects) {
    for (const { pairs } of kustomization.labels ?? []) {
      object.metadata = {
        ...object.metadata,
        labels: { ...object.metadata?.labels, ...pairs },
      };
    }
    for (const container of containersOf(object)) {
      const image = kustomization.images?.find((i) => i.name === container.image);
      if (image) {
        container.image = `${image.newName ?? image.name}${image.newTag ? `:${image.newTag}` : ''}`;
      }
    }
  }
  return objects;
}
