/**
 * Another team's cdktf app using the greeting service's constructs from the packed library:
 * its own stack, provider and names, and the memory size left to a Terraform variable.
 */
import { App, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { ArchiveProvider } from '@cdktf/provider-archive/lib/provider';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { GreetingFunction, ProxyApi, greetingHandlerFile } from 'greeting-service-cdktf';

class TeamGreeterStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: 'eu-west-1' });
    new ArchiveProvider(this, 'archive');

    const memory = new TerraformVariable(this, 'memory_size', {
      type: 'number',
      default: 256,
      description: 'Memory of the greeter function, MB (128 to 10240)',
    });
    const greeter = new GreetingFunction(this, 'greeter', {
      functionName: 'team-greeter',
      codeFile: greetingHandlerFile(),
      memorySize: memory.numberValue,
      greeting: 'Hej',
    });
    const api = new ProxyApi(this, 'api', { apiName: 'team-greeter-api', handler: greeter, stageName: 'v1' });
    new TerraformOutput(this, 'hello_url', { value: `${api.invokeUrl}/hello` });
  }
}

const app = new App();
new TeamGreeterStack(app, 'team-greeter');
app.synth();
