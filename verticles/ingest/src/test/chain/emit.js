// Deploys the test registries to a local chain (once) and emits ERC-8004 events with known values.
// usage: node emit.js <rpc url> <state file> <rounds>
//        node emit.js <rpc url> <state file> bulk <count>   (count NewFeedback events, 1000 per transaction)
// Prints one JSON line: {identity, reputation, validation, deployBlock, events: [{event_type, block_number, transaction_hash, ...values}]}
const fs = require('fs');
const path = require('path');
const solc = require('solc');
const { ethers } = require('ethers');

async function main() {
  const [url, stateFile, roundsArg, bulkArg] = process.argv.slice(2);
  const bulk = roundsArg === 'bulk' ? parseInt(bulkArg, 10) : 0;
  const rounds = bulk ? 0 : parseInt(roundsArg || '1', 10);
  const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 20 });
  const signer = await provider.getSigner(0);
  const validator = await provider.getSigner(1);
  let state = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : null;
  const compiled = compile();
  if (!state) {
    state = { deployBlock: await provider.getBlockNumber() + 1, round: 0 };
    for (const name of ['IdentityRegistry', 'ReputationRegistry', 'ValidationRegistry']) {
      const c = compiled[name];
      const factory = new ethers.ContractFactory(c.abi, c.evm.bytecode.object, signer);
      const contract = await factory.deploy();
      await contract.waitForDeployment();
      state[name] = await contract.getAddress();
    }
  }
  const identity = new ethers.Contract(state.IdentityRegistry, compiled.IdentityRegistry.abi, signer);
  const reputation = new ethers.Contract(state.ReputationRegistry, compiled.ReputationRegistry.abi, signer);
  const validation = new ethers.Contract(state.ValidationRegistry, compiled.ValidationRegistry.abi, validator);
  const owner = await signer.getAddress();
  const validatorAddress = await validator.getAddress();
  const events = [];
  for (let sent = 0; sent < bulk; sent += 1000) {
    const count = Math.min(1000, bulk - sent);
    const tx = await reputation.giveFeedbackMany(1_000_000 + sent, count, { gasLimit: 25_000_000 });
    await tx.wait();
  }
  for (let r = 0; r < rounds; r++) {
    const n = ++state.round;
    const agentId = 1000n + BigInt(n);
    const tag = ethers.encodeBytes32String('quality');
    const h = (s) => ethers.keccak256(ethers.toUtf8Bytes(s));
    const sent = async (promise, values) => {
      const tx = await promise;
      const receipt = await tx.wait();
      events.push({ block_number: receipt.blockNumber, transaction_hash: receipt.hash, agent_id: agentId.toString(), ...values });
    };
    await sent(identity.register(agentId, `ipfs://agent-${n}.json`, owner),
      { event_type: 'Registered', token_uri: `ipfs://agent-${n}.json`, owner: owner.toLowerCase() });
    await (await identity.upgrade(validatorAddress)).wait(); // not an ERC-8004 event: counted as undecoded
    await sent(identity.setMetadata(agentId, 'name', ethers.toUtf8Bytes(`agent ${n}`)),
      { event_type: 'MetadataSet', metadata_key: 'name', metadata_value: ethers.hexlify(ethers.toUtf8Bytes(`agent ${n}`)) });
    await sent(identity.updateUri(agentId, `ipfs://agent-${n}-v2.json`),
      { event_type: 'UriUpdated', token_uri: `ipfs://agent-${n}-v2.json`, updated_by: owner.toLowerCase() });
    await sent(reputation.giveFeedback(agentId, 87, tag, h('tag2'), `ipfs://feedback-${n}`, h(`file-${n}`)),
      { event_type: 'NewFeedback', client_address: owner.toLowerCase(), score: 87, tag1: tag, tag1_text: 'quality', tag2: h('tag2'),
        file_uri: `ipfs://feedback-${n}`, file_hash: h(`file-${n}`) });
    await sent(reputation.revokeFeedback(agentId, 3),
      { event_type: 'FeedbackRevoked', client_address: owner.toLowerCase(), feedback_index: '3' });
    await sent(reputation.appendResponse(agentId, owner, 4, `ipfs://response-${n}`, h(`response-${n}`)),
      { event_type: 'ResponseAppended', client_address: owner.toLowerCase(), feedback_index: '4', responder: owner.toLowerCase(),
        response_uri: `ipfs://response-${n}`, response_hash: h(`response-${n}`) });
    await sent(validation.requestValidation(validatorAddress, agentId, `ipfs://request-${n}`, h(`request-${n}`)),
      { event_type: 'ValidationRequest', validator_address: validatorAddress.toLowerCase(), request_uri: `ipfs://request-${n}`,
        request_hash: h(`request-${n}`) });
    await sent(validation.respond(agentId, h(`request-${n}`), 100, `ipfs://answer-${n}`, h(`answer-${n}`), tag),
      { event_type: 'ValidationResponse', validator_address: validatorAddress.toLowerCase(), request_hash: h(`request-${n}`),
        response: 100, response_uri: `ipfs://answer-${n}`, response_hash: h(`answer-${n}`), tag: tag, tag_text: 'quality' });
  }
  fs.writeFileSync(stateFile, JSON.stringify(state));
  console.log(JSON.stringify({ identity: state.IdentityRegistry.toLowerCase(), reputation: state.ReputationRegistry.toLowerCase(),
    validation: state.ValidationRegistry.toLowerCase(), deployBlock: state.deployBlock, head: await provider.getBlockNumber(), events }));
}

function compile() {
  const source = fs.readFileSync(path.join(__dirname, 'Registries.sol'), 'utf8');
  const input = { language: 'Solidity', sources: { 'Registries.sol': { content: source } },
    settings: { evmVersion: 'paris', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } } };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) {
    throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  }
  return output.contracts['Registries.sol'];
}

main().catch((e) => { console.error(e); process.exit(1); });
