// Every string the Flight Control wire format fixes, in one place: the client, the HTTP adapter, the
// builder and the CLI import these rather than spelling them out again.

/** The API group of every resource this SDK handles. */
export const API_GROUP = 'flightctl.io';
/** Version of the image builder API (ImageBuild, ImageExport), as sent in `Flightctl-API-Version`. */
export const IMAGEBUILDER_VERSION = 'v1alpha1';
/** Version of the core API (Repository, CertificateSigningRequest), as sent in `Flightctl-API-Version`. */
export const CORE_VERSION = 'v1beta1';
/** `apiVersion` of the image builder resources: `flightctl.io/v1alpha1`. */
export const API_VERSION = `${API_GROUP}/${IMAGEBUILDER_VERSION}` as const;
/** `apiVersion` of the core resources (Repository, CertificateSigningRequest): `flightctl.io/v1beta1`. */
export const CORE_API_VERSION = `${API_GROUP}/${CORE_VERSION}` as const;

/** Request and response header naming the API version (HTTP headers are case-insensitive). */
export const API_VERSION_HEADER = 'Flightctl-API-Version';
/** Header of a 406 answer listing the versions a server does serve. */
export const SUPPORTED_VERSIONS_HEADER = 'Flightctl-API-Versions-Supported';

/** Last `data:` line of a followed log stream (server-sent events): the build has no more output. */
export const LOG_STREAM_COMPLETE = '<<STREAM_COMPLETE>>';

/** The `kind` of each resource and list on the wire. */
export const KINDS = {
  ImageBuild: 'ImageBuild',
  ImageBuildList: 'ImageBuildList',
  ImageExport: 'ImageExport',
  ImageExportList: 'ImageExportList',
  Repository: 'Repository',
  RepositoryList: 'RepositoryList',
  Status: 'Status',
  CertificateSigningRequest: 'CertificateSigningRequest',
} as const;
