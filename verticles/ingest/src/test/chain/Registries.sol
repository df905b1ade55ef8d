// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

// Test contracts of this project: they emit exactly the ERC-8004 v0.4 events the ingest follower
// decodes, with the values the test asks for, plus what real registries emit beside them: the
// ERC-721 Transfer of a registration (stored: it sets the owner), an ERC-20-shaped Transfer (same
// topic0, three topics: counted as undecoded) and an event no catalogue knows (a proxy's Upgraded),
// which the follower must count, not drop silently. No registry logic.

interface ERC20 {
    event Transfer(address indexed from, address indexed to, uint256 value);
}

contract IdentityRegistry {
    event Registered(uint256 indexed agentId, string tokenURI, address indexed owner);
    event MetadataSet(uint256 indexed agentId, string indexed indexedKey, string key, bytes value);
    event UriUpdated(uint256 indexed agentId, string newUri, address indexed updatedBy);
    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event Upgraded(address indexed implementation);

    function register(uint256 agentId, string calldata tokenURI, address owner) external {
        emit Transfer(address(0), owner, agentId);
        emit Registered(agentId, tokenURI, owner);
    }

    function upgrade(address implementation) external {
        emit Upgraded(implementation);
        emit ERC20.Transfer(msg.sender, implementation, 1);
    }

    function setMetadata(uint256 agentId, string calldata key, bytes calldata value) external {
        emit MetadataSet(agentId, key, key, value);
    }

    function updateUri(uint256 agentId, string calldata newUri) external {
        emit UriUpdated(agentId, newUri, msg.sender);
    }

    /// UriUpdated's topics with no data: what a registry whose ABI is not the catalogue's would emit.
    function emitMalformedUriUpdated(uint256 agentId) external {
        bytes32 topic0 = keccak256("UriUpdated(uint256,string,address)");
        uint256 sender = uint256(uint160(msg.sender));
        assembly { log3(0, 0, topic0, agentId, sender) }
    }
}

contract ReputationRegistry {
    event NewFeedback(uint256 indexed agentId, address indexed clientAddress, uint8 score, bytes32 indexed tag1,
        bytes32 tag2, string fileuri, bytes32 filehash);
    event FeedbackRevoked(uint256 indexed agentId, address indexed clientAddress, uint64 indexed feedbackIndex);
    event ResponseAppended(uint256 indexed agentId, address indexed clientAddress, uint64 feedbackIndex,
        address indexed responder, string responseUri, bytes32 responseHash);

    function giveFeedback(uint256 agentId, uint8 score, bytes32 tag1, bytes32 tag2, string calldata fileuri, bytes32 filehash) external {
        emit NewFeedback(agentId, msg.sender, score, tag1, tag2, fileuri, filehash);
    }

    /// For the follower benchmark: many events from one transaction.
    function giveFeedbackMany(uint256 firstAgentId, uint256 count) external {
        for (uint256 i = 0; i < count; i++) {
            emit NewFeedback(firstAgentId + i, msg.sender, uint8(i % 101), bytes32("bulk"), bytes32(i), "ipfs://bulk", bytes32(i));
        }
    }

    function revokeFeedback(uint256 agentId, uint64 feedbackIndex) external {
        emit FeedbackRevoked(agentId, msg.sender, feedbackIndex);
    }

    function appendResponse(uint256 agentId, address clientAddress, uint64 feedbackIndex, string calldata responseUri,
        bytes32 responseHash) external {
        emit ResponseAppended(agentId, clientAddress, feedbackIndex, msg.sender, responseUri, responseHash);
    }
}

contract ValidationRegistry {
    event ValidationRequest(address indexed validatorAddress, uint256 indexed agentId, string requestUri, bytes32 indexed requestHash);
    event ValidationResponse(address indexed validatorAddress, uint256 indexed agentId, bytes32 indexed requestHash,
        uint8 response, string responseUri, bytes32 responseHash, bytes32 tag);

    function requestValidation(address validatorAddress, uint256 agentId, string calldata requestUri, bytes32 requestHash) external {
        emit ValidationRequest(validatorAddress, agentId, requestUri, requestHash);
    }

    function respond(uint256 agentId, bytes32 requestHash, uint8 response, string calldata responseUri, bytes32 responseHash,
        bytes32 tag) external {
        emit ValidationResponse(msg.sender, agentId, requestHash, response, responseUri, responseHash, tag);
    }
}

// ERC-8004 as deployed since January 2026 (ERCS/erc-8004.md, getVersion() "2.0.0"): the same
// events with these signatures, plus the ERC-721 Transfer and ERC-4906 MetadataUpdate the official
// identity registry emits beside them (the log stores Transfer; the catalogue ignores MetadataUpdate).

contract IdentityRegistryV1 {
    event Registered(uint256 indexed agentId, string agentURI, address indexed owner);
    event MetadataSet(uint256 indexed agentId, string indexed indexedMetadataKey, string metadataKey, bytes metadataValue);
    event URIUpdated(uint256 indexed agentId, string newURI, address indexed updatedBy);
    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event MetadataUpdate(uint256 _tokenId);

    function register(uint256 agentId, string calldata agentURI, address owner) external {
        emit Transfer(address(0), owner, agentId);
        emit Registered(agentId, agentURI, owner);
        emit MetadataUpdate(agentId);
    }

    function setMetadata(uint256 agentId, string calldata key, bytes calldata value) external {
        emit MetadataSet(agentId, key, key, value);
    }

    function setAgentURI(uint256 agentId, string calldata newURI) external {
        emit URIUpdated(agentId, newURI, msg.sender);
        emit MetadataUpdate(agentId);
    }

    function transferFrom(address from, address to, uint256 agentId) external {
        emit Transfer(from, to, agentId);
    }
}

contract ReputationRegistryV1 {
    event NewFeedback(uint256 indexed agentId, address indexed clientAddress, uint64 feedbackIndex, int128 value,
        uint8 valueDecimals, string indexed indexedTag1, string tag1, string tag2, string endpoint, string feedbackURI,
        bytes32 feedbackHash);
    event FeedbackRevoked(uint256 indexed agentId, address indexed clientAddress, uint64 indexed feedbackIndex);
    event ResponseAppended(uint256 indexed agentId, address indexed clientAddress, uint64 feedbackIndex,
        address indexed responder, string responseURI, bytes32 responseHash);

    function giveFeedback(uint256 agentId, uint64 feedbackIndex, int128 value, uint8 valueDecimals, string calldata tag1,
        string calldata tag2, string calldata endpoint, string calldata feedbackURI, bytes32 feedbackHash) external {
        emit NewFeedback(agentId, msg.sender, feedbackIndex, value, valueDecimals, tag1, tag1, tag2, endpoint, feedbackURI, feedbackHash);
    }

    /// For the follower benchmark: many events from one transaction.
    function giveFeedbackMany(uint256 firstAgentId, uint256 count) external {
        for (uint256 i = 0; i < count; i++) {
            emit NewFeedback(firstAgentId + i, msg.sender, uint64(i), int128(int256(i)) - 500, 2, "bulk", "bulk", "latency",
                "https://agent.example.org/a2a", "ipfs://bulk", bytes32(i));
        }
    }

    function revokeFeedback(uint256 agentId, uint64 feedbackIndex) external {
        emit FeedbackRevoked(agentId, msg.sender, feedbackIndex);
    }

    function appendResponse(uint256 agentId, address clientAddress, uint64 feedbackIndex, string calldata responseURI,
        bytes32 responseHash) external {
        emit ResponseAppended(agentId, clientAddress, feedbackIndex, msg.sender, responseURI, responseHash);
    }
}

contract ValidationRegistryV1 {
    event ValidationRequest(address indexed validatorAddress, uint256 indexed agentId, string requestURI, bytes32 indexed requestHash);
    event ValidationResponse(address indexed validatorAddress, uint256 indexed agentId, bytes32 indexed requestHash,
        uint8 response, string responseURI, bytes32 responseHash, string tag);

    function validationRequest(address validatorAddress, uint256 agentId, string calldata requestURI, bytes32 requestHash) external {
        emit ValidationRequest(validatorAddress, agentId, requestURI, requestHash);
    }

    function validationResponse(uint256 agentId, bytes32 requestHash, uint8 response, string calldata responseURI,
        bytes32 responseHash, string calldata tag) external {
        emit ValidationResponse(msg.sender, agentId, requestHash, response, responseURI, responseHash, tag);
    }
}
