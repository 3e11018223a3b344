namespace RnnCluster.Core.Data;

/// <summary>
/// A few kilobytes of plain English prose written for this project (no third-party rights),
/// so a word- or character-level run can be tried without any file.
/// </summary>
internal static class TinyCorpus
{
    public const string Text = """
        The Lighthouse Keeper

        At the end of the long grey spit of land there stood a lighthouse, and in the lighthouse lived a keeper named Elsie Marr. She had kept the light for eleven years, and in all that time she had never once let it go dark.

        Every evening she climbed the hundred and twelve steps to the lamp room. She trimmed the wick, polished the great lens until it shone like water, and wound the clockwork that turned the beam across the sea. Then she sat by the window with a cup of tea and a notebook, and she wrote down the ships she saw.

        Most nights there were only a few. A fishing boat heading home, its deck lamps swinging. A cargo ship far out, slow and patient as a cloud. Once, a tall ship with white sails that seemed to glow in the moonlight, and she watched it until it was gone.

        The village people thought her lonely, but she was not. She had the gulls, who were rude, and the seals, who were curious, and the wind, which never stopped talking. She had her books and her garden of stubborn herbs behind the stone wall. And she had the light, which she loved the way some people love a dog or a difficult old friend.

        One winter the storms came early. The first one arrived in October with rain that fell sideways and waves that climbed the rocks and slapped against the tower door. Elsie did not sleep. She kept the lamp burning and the clockwork wound, and every hour she checked the glass for salt.

        On the third night of the storm she saw a small light out on the water, rising and falling, far too close to the reef. She watched it for a long minute. It was a boat, and it was in trouble.

        There was no telephone in the lighthouse, and the village was two miles away along a path the sea had already flooded. So Elsie did the only thing she could. She went to the lamp and, with careful hands, she began to shutter and open it, again and again, in the old pattern every sailor knows: danger, danger, turn away.

        For a long time nothing changed. Then, slowly, the little light turned. It crept north, away from the reef, toward the calm water behind the point. Elsie kept signalling until her arms ached, and she did not stop until the boat was safe in the shelter of the cove.

        In the morning the storm had passed. The sea was tired and flat, and the sky was the colour of old pewter. A man came walking up the path with his boots full of water and his hat in his hands. He was the skipper of the boat, and he had come to say thank you.

        "I didn't know what you were telling me," he said. "Not at first. Then I remembered my father teaching me the signals, years ago. I thought I'd forgotten them."

        "You hadn't," said Elsie. "That's the thing about the things we learn when we're young. They wait for us."

        He stayed for tea. He told her about his daughter, who wanted to be a doctor, and his wife, who painted pictures of boats she had never sailed in. Elsie told him about the gulls and the seals and the wind. When he left, he promised to come back in the spring with a basket of apples from his orchard.

        He kept his promise. And every spring after that, a basket of apples appeared at the lighthouse door, with a note in careful handwriting that said only: for the keeper of the light.

        Elsie kept the notes in her notebook, between the lists of ships. Years later, when she was old and a new keeper came to take her place, she left the notebook on the shelf by the window. On the first page she had written a few words of advice.

        Keep the glass clean. Wind the clock before dark. Watch the water, even when it is quiet. And remember that a light is not for you. It is for the people you will never meet, out there in the dark, looking for the way home.
        """;
}
