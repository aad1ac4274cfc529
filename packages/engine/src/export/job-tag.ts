/** `<job>-` with the job id reduced to a safe name fragment (files, volumes), or '' without a job id. */
export function jobTag(jobId: string | undefined): string {
  if (!jobId) return '';
  return `${jobId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)}-`;
}
