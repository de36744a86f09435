import { App, AnnotationMetadataEntryType, LocalBackend, TerraformStack } from 'cdktf';

/** The stack that carries an app's error to the cdktf CLI; it holds nothing else. */
export const ERROR_STACK = 'configuration-error';

/**
 * Whether the cdktf CLI runs this app: it sets CDKTF_OUTDIR, and
 * CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS so that it prints error annotations itself.
 */
export function runByCdktfCli(env: NodeJS.ProcessEnv): boolean {
  // Set, whatever its value, as cdktf's own StackSynthesizer reads it.
  return Boolean(env.CDKTF_OUTDIR) && env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS !== undefined;
}

/**
 * Hands an error that stops synthesis (a bad environment file, an unknown ENVIRONMENT) to the
 * cdktf CLI as an error annotation, the way the CLI expects an app to report one. The CLI prints
 * each annotation once (`ERROR [configuration-error]: <message>`) and stops before any plan,
 * exiting 1. An app that writes to stderr and exits non-zero instead has its message printed
 * twice: logged as it arrives, then again in the CLI's summary.
 *
 * The stack holds no resource, so nothing can be planned from it; the CLI removes the folders of
 * the stacks it no longer finds, so no stale Terraform is left to apply by hand either.
 */
export function reportErrorToCdktfCli(message: string, outdir: string): void {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, ERROR_STACK);
  // Relative: cdktf's default local backend names this machine's absolute path.
  new LocalBackend(stack, { path: 'terraform.tfstate' });
  stack.node.addMetadata(AnnotationMetadataEntryType.ERROR, message);
  app.synth();
}
