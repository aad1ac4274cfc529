// Documents for the harness (registry A, the bootc-like base, late binding so no enrollment is needed).
import type { HarnessEnv } from '@imagebuild/testkit';

export function repositoriesYaml(env: HarnessEnv): string {
  return `apiVersion: flightctl.io/v1beta1
kind: Repository
metadata: {name: cli-src}
spec: {type: oci, registry: ${env.registryPlain}, scheme: http, accessMode: Read}
---
apiVersion: flightctl.io/v1beta1
kind: Repository
metadata: {name: cli-dst}
spec: {type: oci, registry: ${env.registryPlain}, scheme: http, accessMode: ReadWrite}
`;
}

export function buildYaml(name: string, tag: string): string {
  return `apiVersion: flightctl.io/v1alpha1
kind: ImageBuild
metadata:
  name: ${name}
  labels: {suite: cli}
spec:
  source: {repository: cli-src, imageName: fixtures/bootc-base, imageTag: latest}
  destination: {repository: cli-dst, imageName: clitest/${name}, imageTag: "${tag}"}
  binding: {type: late}
`;
}

export function exportYaml(name: string, build: string, format: string): string {
  return `apiVersion: flightctl.io/v1alpha1
kind: ImageExport
metadata: {name: ${name}}
spec:
  source: {type: imageBuild, imageBuildRef: ${build}}
  format: ${format}
`;
}

export const runTag = (): string => `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
