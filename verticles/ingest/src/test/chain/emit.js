// Deploys the test registries to a local chain (once) and emits ERC-8004 events with known values.
// usage: node emit.js <rpc url> <state file> <rounds>
//        node emit.js <rpc url> <state file> bulk <count>   (count NewFeedback events, 1000 per transaction)
//        node emit.js <rpc url> <state file> v1 <rounds>    (the January 2026 registries: every v1 event, boundary values)
//        node emit.js <rpc url> <state file> v1-bulk <count> (count v1 NewFeedback events, 1000 per transaction)
//        node emit.js <rpc url> <state file> malformed      (a log with UriUpdated's topics and no data)
// Prints one JSON line: {identity, reputation, validation, deployBlock, events: [{event_type, block_number, transaction_hash, ...values}]}
const fs = require('fs');
const path = require('path');
const solc = require('solc');
const { ethers } = require('ethers');

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

async function main() {
  const [url, stateFile, roundsArg, bulkArg] = process.argv.slice(2);
  const v1 = roundsArg === 'v1' || roundsArg === 'v1-bulk';
  const bulk = roundsArg === 'bulk' || roundsArg === 'v1-bulk' ? parseInt(bulkArg, 10) : 0;
  const rounds = bulk || roundsArg === 'malformed' ? 0 : parseInt((v1 ? bulkArg : roundsArg) || '1', 10);
  const suffix = v1 ? 'V1' : '';
  const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 20 });
  const signer = await provider.getSigner(0);
  const validator = await provider.getSigner(1);
  let state = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : null;
  const compiled = compile();
  if (!state) {
    state = { deployBlock: await provider.getBlockNumber() + 1, round: 0 };
    for (const name of ['IdentityRegistry', 'ReputationRegistry', 'ValidationRegistry']) {
      const c = compiled[name + suffix];
      const factory = new ethers.ContractFactory(c.abi, c.evm.bytecode.object, signer);
      const contract = await factory.deploy();
      await contract.waitForDeployment();
      state[name] = await contract.getAddress();
    }
  }
  const identity = new ethers.Contract(state.IdentityRegistry, compiled['IdentityRegistry' + suffix].abi, signer);
  const reputation = new ethers.Contract(state.ReputationRegistry, compiled['ReputationRegistry' + suffix].abi, signer);
  const validation = new ethers.Contract(state.ValidationRegistry, compiled['ValidationRegistry' + suffix].abi, validator);
  const owner = await signer.getAddress();
  const validatorAddress = await validator.getAddress();
  const events = [];
  for (let sent = 0; sent < bulk; sent += 1000) {
    const count = Math.min(1000, bulk - sent);
    const tx = await reputation.giveFeedbackMany(1_000_000 + sent, count, { gasLimit: 25_000_000 });
    await tx.wait();
  }
  if (roundsArg === 'malformed') {
    await (await identity.emitMalformedUriUpdated(7)).wait();
  }
  for (let r = 0; v1 && !bulk && r < rounds; r++) {
    await emitV1(++state.round, identity, reputation, validation, owner.toLowerCase(), validatorAddress.toLowerCase(), events);
  }
  for (let r = 0; !v1 && r < rounds; r++) {
    const n = ++state.round;
    const agentId = 1000n + BigInt(n);
    const tag = ethers.encodeBytes32String('quality');
    const h = (s) => ethers.keccak256(ethers.toUtf8Bytes(s));
    const sent = async (promise, ...logged) => {
      const tx = await promise;
      const receipt = await tx.wait();
      logged.forEach(values =>
        events.push({ block_number: receipt.blockNumber, transaction_hash: receipt.hash, agent_id: agentId.toString(), ...values }));
    };
    await sent(identity.register(agentId, `ipfs://agent-${n}.json`, owner),
      { event_type: 'Transfer', previous_owner: ZERO_ADDRESS, owner: owner.toLowerCase() },
      { event_type: 'Registered', token_uri: `ipfs://agent-${n}.json`, owner: owner.toLowerCase() });
    // not ERC-8004 events (a proxy's Upgraded, an ERC-20-shaped Transfer): counted as undecoded
    await (await identity.upgrade(validatorAddress)).wait();
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

/** The exact decimal value x 10^-decimals, as the log stores it. */
function fixed(value, decimals) {
  const negative = value < 0n;
  let digits = (negative ? -value : value).toString();
  if (decimals === 0) {
    return (negative ? '-' : '') + digits;
  }
  digits = digits.padStart(decimals + 1, '0');
  return (negative ? '-' : '') + digits.slice(0, -decimals) + '.' + digits.slice(-decimals);
}

/** One round of every v1 event, with the boundary values the issue lists; each expected event as the API shows it. */
async function emitV1(n, identity, reputation, validation, owner, validatorAddress, events) {
  const agentId = BigInt(n - 1); // the official registries number agents from 0
  const h = (s) => ethers.keccak256(ethers.toUtf8Bytes(s));
  const sent = async (promise, ...logged) => {
    const receipt = await (await promise).wait();
    logged.forEach(values => events.push({ block_number: receipt.blockNumber, transaction_hash: receipt.hash, agent_id: agentId.toString(),
      spec_version: 'v1', ...values }));
  };
  await sent(identity.register(agentId, `ipfs://agent-v1-${n}.json`, owner),
    { event_type: 'Transfer', previous_owner: ZERO_ADDRESS, owner },
    { event_type: 'Registered', token_uri: `ipfs://agent-v1-${n}.json`, owner });
  // metadata bytes that are not UTF-8
  await sent(identity.setMetadata(agentId, 'agentWallet', '0xff00fe'),
    { event_type: 'MetadataSet', metadata_key: 'agentWallet', metadata_value: '0xff00fe' });
  await sent(identity.setAgentURI(agentId, `ipfs://agent-v1-${n}-b.json`),
    { event_type: 'URIUpdated', token_uri: `ipfs://agent-v1-${n}-b.json`, updated_by: owner });
  // the agent changes hands: the log records the new owner and the one before
  await sent(identity.transferFrom(owner, validatorAddress, agentId),
    { event_type: 'Transfer', previous_owner: owner, owner: validatorAddress });
  const feedback = [
    [75n, 2, 'quality', '', 'https://agent.example.org/a2a'],
    [-5n, 2, 'quality', 'negative', ''],
    [0n, 0, 'Tāne 🌳', 'ünïcode', ''],
    [(1n << 127n) - 1n, 18, 'q'.repeat(64), 'b', 'mcp://agent'],
    [-(1n << 127n), 18, 'min', 'x', ''],
  ];
  for (const [i, [value, decimals, tag1, tag2, endpoint]] of feedback.entries()) {
    await sent(reputation.giveFeedback(agentId, i + 1, value, decimals, tag1, tag2, endpoint, `ipfs://feedback-v1-${n}-${i}`, h(`f${n}${i}`)),
      { event_type: 'NewFeedback', client_address: owner, feedback_index: String(i + 1), value: value.toString(), value_decimals: decimals,
        value_decimal: fixed(value, decimals), tag1_text: tag1, tag2_text: tag2, endpoint, file_uri: `ipfs://feedback-v1-${n}-${i}`,
        file_hash: h(`f${n}${i}`) });
  }
  await sent(reputation.revokeFeedback(agentId, 2), { event_type: 'FeedbackRevoked', client_address: owner, feedback_index: '2' });
  await sent(reputation.appendResponse(agentId, owner, 1, `ipfs://response-v1-${n}`, h(`r${n}`)),
    { event_type: 'ResponseAppended', client_address: owner, feedback_index: '1', responder: owner, response_uri: `ipfs://response-v1-${n}`,
      response_hash: h(`r${n}`) });
  await sent(validation.validationRequest(validatorAddress, agentId, `ipfs://request-v1-${n}`, h(`q${n}`)),
    { event_type: 'ValidationRequest', validator_address: validatorAddress, request_uri: `ipfs://request-v1-${n}`, request_hash: h(`q${n}`) });
  await sent(validation.validationResponse(agentId, h(`q${n}`), 100, `ipfs://answer-v1-${n}`, h(`a${n}`), 'soft-finality'),
    { event_type: 'ValidationResponse', validator_address: validatorAddress, request_hash: h(`q${n}`), response: 100,
      response_uri: `ipfs://answer-v1-${n}`, response_hash: h(`a${n}`), tag_text: 'soft-finality' });
}

/** Compiles Registries.sol once per source text (via-IR takes seconds): the output is kept beside it. */
function compile() {
  const source = fs.readFileSync(path.join(__dirname, 'Registries.sol'), 'utf8');
  const digest = require('crypto').createHash('sha256').update(source).digest('hex');
  const cache = path.join(__dirname, `compiled-${digest.slice(0, 16)}.json`);
  if (fs.existsSync(cache)) {
    return JSON.parse(fs.readFileSync(cache, 'utf8'));
  }
  const input = { language: 'Solidity', sources: { 'Registries.sol': { content: source } },
    // via-IR: the v1 NewFeedback has more arguments than the legacy code generator keeps on the stack
    settings: { evmVersion: 'paris', viaIR: true, optimizer: { enabled: true }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } } };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) {
    throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  }
  fs.writeFileSync(cache, JSON.stringify(output.contracts['Registries.sol']));
  return output.contracts['Registries.sol'];
}

main().catch((e) => { console.error(e); process.exit(1); });
